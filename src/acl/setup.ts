// A shard's users at startup and as the configuration changes: requirepass sets the default
// user's password (Redis's ACLUpdateDefaultUserPassword), `user` lines of redis.conf or the
// aclfile define the users, acllog-max-len bounds the log.
import type { Shard } from "../server/shard.ts";
import type { LoadedConfig } from "../config/load.ts";
import { loadAclFile, usersFromDefinitions } from "./file.ts";

/** Applies the loaded configuration; returns an error text that must stop the server. */
export function setUpAcl(shard: Shard, loaded: LoadedConfig): string | null {
  const { acl, config } = shard;
  acl.log.maxLen = Number(config.get("acllog-max-len"));
  const requirepass = String(config.get("requirepass"));
  if (requirepass) acl.setRequirePass(requirepass);
  config.onChange((name, value) => {
    if (name === "requirepass") acl.setRequirePass(String(value));
    if (name === "acllog-max-len") acl.log.maxLen = Number(value);
  });
  if (loaded.aclUsers?.length) {
    const users = usersFromDefinitions(loaded.aclUsers);
    if (typeof users === "string") return users;
    // Redis applies requirepass before the users: a `user default` line wins over it.
    const byName = new Map(acl.all().map((u) => [u.name, u]));
    for (const u of users) byName.set(u.name, u);
    acl.replaceAll([...byName.values()]);
  }
  const file = String(config.get("aclfile"));
  if (file) {
    const users = loadAclFile(file);
    if (typeof users === "string") return `Aborting startup because of ACL errors: ${users}`;
    acl.replaceAll(users);
  }
  return null;
}
