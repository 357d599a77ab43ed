import assert from "node:assert/strict";
import { COMMANDS, lookupCommand, lookupSubcommand } from "../../src/commands/table.ts";
import { Args } from "../../src/protocol/args.ts";
import { resolveCommand } from "../../src/server/dispatch.ts";

/** Args holding `words` in one buffer, each followed by CRLF as a request frame has them. */
function argsOf(...words: string[]): Args {
  const args = new Args();
  const bytes: number[] = [];
  words.forEach((w, i) => {
    args.argStart[i] = bytes.length;
    args.argLen[i] = w.length;
    for (const c of w) bytes.push(c.charCodeAt(0));
    bytes.push(13, 10);
  });
  args.argBuf = Uint8Array.from(bytes);
  args.argc = words.length;
  return args;
}

// Mixed case as a client may send it: every other letter upper case.
const mixed = (name: string) => [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");

Deno.test("every command and subcommand is found by its name in any case", () => {
  for (const spec of COMMANDS) {
    for (const name of [spec.name, spec.name.toUpperCase(), mixed(spec.name)]) {
      assert.equal(lookupCommand(argsOf(name)), spec, name);
    }
    for (const sub of spec.subcommands ?? []) {
      const subName = sub.name.slice(spec.name.length + 1);
      assert.equal(lookupSubcommand(spec, argsOf(spec.name, mixed(subName))), sub, sub.name);
    }
  }
});

Deno.test("names that differ from a command's by a byte are not found", () => {
  for (
    const name of ["", "g", "ge", "gets", "gex", "get\0", "hgetx", "lpus", "lpushh", "zrangex"]
  ) {
    assert.equal(lookupCommand(argsOf(name)), undefined, JSON.stringify(name));
  }
  // "\x07ET" lands in GET's bucket (the hash keeps each byte's low 5 bits, and "G" is 0x47):
  // the full compare folds only letters, so it is not GET.
  assert.equal(lookupCommand(argsOf("\x07ET")), undefined);
});

Deno.test("resolveCommand answers the same whether or not the name repeats the last one", () => {
  const get = lookupCommand(argsOf("get"));
  // The same bytes again (the remembered name), other cases, then a near miss of one byte.
  assert.equal(resolveCommand(argsOf("GET", "k")), get);
  assert.equal(resolveCommand(argsOf("GET", "k")), get);
  assert.equal(resolveCommand(argsOf("get", "k")), get);
  assert.equal(
    resolveCommand(argsOf("GEX", "k")),
    "ERR unknown command 'GEX', with args beginning with: 'k' ",
  );
  // Arity is checked on a remembered command too.
  assert.equal(resolveCommand(argsOf("GET")), "ERR wrong number of arguments for 'get' command");
  // A container is never remembered: its subcommand decides.
  const configGet = lookupSubcommand(lookupCommand(argsOf("config"))!, argsOf("config", "get"));
  assert.equal(resolveCommand(argsOf("CONFIG", "GET", "x")), configGet);
  assert.notEqual(resolveCommand(argsOf("CONFIG", "SET", "x", "y")), configGet);
});
