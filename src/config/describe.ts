// Human descriptions of table entries, shared by --help texts and docs/configuration.md.
import { envName } from "./names.ts";
import type { ConfigEntry } from "./table.ts";

/** The placeholder after an option in usage text: --port N, --maxmemory SIZE, ... */
export function metavar(entry: ConfigEntry): string {
  const byType: Record<string, string> = {
    integer: "N",
    size: "SIZE",
    "yes/no": "yes|no",
    enum: "NAME",
    directory: "DIR",
    addresses: "ADDRS",
    "save schedule": '"SECONDS CHANGES ..."',
    "file name": "FILE",
    "event classes": "CLASSES",
  };
  return byType[entry.type.name] ?? "TEXT";
}

/** The default as shown to people (machine-dependent ones are described, not computed). */
export function defaultForPeople(entry: ConfigEntry): string {
  if (entry.defaultDoc) return entry.defaultDoc;
  const d = entry.default as string;
  return d === "" ? '""' : d;
}

export function settableForPeople(entry: ConfigEntry): string {
  return {
    settable: "yes",
    immutable: "no (restart)",
    protected: "no (protected, like Redis)",
  }[entry.configSet];
}

/** The short facts line of an entry: default, allowed values, env, restart-only. */
export function factsLine(entry: ConfigEntry): string {
  const facts = [`default ${defaultForPeople(entry)}`];
  if (entry.type.domain) facts.push(entry.type.domain);
  facts.push(`env ${envName(entry)}`);
  if (entry.configSet !== "settable") facts.push("restart-only");
  if (entry.aliases?.length) facts.push(`alias ${entry.aliases.map((a) => `--${a}`).join(", ")}`);
  return facts.join("; ");
}
