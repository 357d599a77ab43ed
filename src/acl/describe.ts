// Users as ACL LIST, ACL GETUSER and ACL SAVE print them: Redis 7.0's ACLDescribeUser, whose
// command rules are a best-fit reconstruction from the bitmap (categories first, then single
// commands), not the rules as typed. Redis emits the single commands in its hash table's
// (random) order; IronCache emits them in table order.
import { ACL_COMMANDS, type AclCommand, CATEGORIES, TOP_LEVEL } from "./commands.ts";
import { type KeyPattern, READ, READ_WRITE, Selector, WRITE } from "./selector.ts";
import type { User } from "./user.ts";

function patternText(k: KeyPattern): string {
  const prefix = k.perm === READ_WRITE
    ? "~"
    : k.perm === READ
    ? "%R~"
    : k.perm === WRITE
    ? "%W~"
    : "";
  return prefix + k.text;
}

/** ACLDescribeSelectorCommandRules. */
export function describeCommandRules(selector: Selector): string {
  const additive = !selector.mayRunFutureCommands();
  const rules: string[] = [additive ? "-@all" : "+@all"];
  const fake = new Selector(false);
  fake.apply(additive ? "-@all" : "+@all");
  // The categories that cover the most bits with the fewest differences, greedily.
  const temp = new Selector(false);
  temp.commands.set(selector.commands);
  const applied = new Set<number>();
  for (;;) {
    let best = -1, minDiff = Number.MAX_SAFE_INTEGER, maxSame = 0;
    CATEGORIES.forEach((_, j) => {
      if (applied.has(j)) return;
      let on = 0, off = 0;
      for (const cmd of ACL_COMMANDS) {
        if (cmd.categories & (1 << j)) temp.commands[cmd.id] ? on++ : off++;
      }
      const diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        [best, minDiff, maxSame] = [j, diff, same];
      }
    });
    if (best === -1) break;
    const bit = 1 << best;
    fake.setCategory(bit, additive);
    temp.setCategory(bit, !additive);
    rules.push(`${additive ? "+" : "-"}@${CATEGORIES[best]}`);
    applied.add(best);
  }
  // The single commands that still differ, and the allowed first arguments.
  const single = (cmd: AclCommand) => {
    const mine = selector.commands[cmd.id] === 1;
    if (mine !== (fake.commands[cmd.id] === 1)) {
      rules.push(`${mine ? "+" : "-"}${cmd.fullName}`);
      fake.setCommand(cmd, mine);
    }
    cmd.subcommands.forEach(single);
    if (!mine) {
      for (const arg of selector.firstArgs.get(cmd.id) ?? []) rules.push(`+${cmd.fullName}|${arg}`);
    }
  };
  TOP_LEVEL.forEach(single);
  return rules.join(" ");
}

/** ACLDescribeSelector: keys, channels, then command rules. */
function describeSelector(s: Selector): string {
  const words: string[] = [];
  if (s.allKeys) words.push("~*");
  else words.push(...s.keys.map(patternText));
  if (s.allChannels) words.push("&*");
  else words.push("resetchannels", ...s.channels.map((c) => "&" + c));
  words.push(describeCommandRules(s));
  return words.join(" ");
}

/** ACLDescribeUser: the rules after "user <name> " in ACL LIST and the ACL file. */
export function describeUser(u: User): string {
  let out = [...u.flags(), ...u.passwords.map((p) => "#" + p)].map((w) => w + " ").join("");
  for (const s of u.selectors) {
    out += s.root ? describeSelector(s) : ` (${describeSelector(s)})`;
  }
  return out;
}

/** ACL GETUSER's "keys" value. */
export function describeKeys(s: Selector): string {
  return s.allKeys ? "~*" : s.keys.map(patternText).join(" ");
}

/** ACL GETUSER's "channels" value. */
export function describeChannels(s: Selector): string {
  return s.allChannels ? "&*" : s.channels.map((c) => "&" + c).join(" ");
}
