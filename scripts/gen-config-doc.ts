// Writes docs/configuration.md from the config table (src/config/table.ts).
// Usage: deno run --allow-read --allow-write --allow-run scripts/gen-config-doc.ts [--check]
//   --check: write nothing; exit 1 if the file is out of date.
import { formattedConfigDoc } from "../src/config/docs.ts";

export const DOC_PATH = new URL("../docs/configuration.md", import.meta.url);

if (import.meta.main) {
  const wanted = await formattedConfigDoc();
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(DOC_PATH).catch(() => "");
    if (current !== wanted) {
      console.error(
        "docs/configuration.md is out of date: run deno run -A scripts/gen-config-doc.ts",
      );
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(DOC_PATH, wanted);
    console.log("wrote docs/configuration.md");
  }
}
