// The users of one shard. Every shard holds the same users: the commands that change them
// (ACL SETUSER/DELUSER/LOAD, CONFIG SET requirepass) run on all shards, and each applies
// them identically. `open` is the hot path's one test: true while the default user may run
// everything without a password and no other user exists, so no command needs a check.
import { defaultUser, hashPassword, User } from "./user.ts";
import { AclLog } from "./log.ts";

export class AclUsers {
  private users = new Map<string, User>([["default", defaultUser()]]);
  readonly log = new AclLog();
  /** No check needed for any command of any client (see the header). */
  open = true;

  get default(): User {
    return this.users.get("default")!;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  /** Users in Redis's rax order (byte order of the names). */
  all(): User[] {
    return [...this.users.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  set(user: User): void {
    this.users.set(user.name, user);
    this.refresh();
  }

  delete(name: string): boolean {
    const had = this.users.delete(name);
    this.refresh();
    return had;
  }

  /** ACL LOAD: a whole new set (the default user is always there). */
  replaceAll(users: User[]): void {
    this.users = new Map(users.map((u) => [u.name, u]));
    if (!this.users.has("default")) this.users.set("default", defaultUser());
    this.refresh();
  }

  /** requirepass: the default user's only password, or nopass when empty. */
  setRequirePass(password: string): void {
    const u = this.default;
    u.apply("resetpass");
    u.apply(password ? ">" + password : "nopass");
    this.refresh();
  }

  /** Must be called after changing a user in place. */
  refresh(): void {
    const d = this.default;
    const root = d.root;
    this.open = this.users.size === 1 && d.enabled && d.noPass && root.allCommands &&
      root.allKeys && root.allChannels;
  }

  /** Redis's authRequired for a client that has not authenticated. */
  authRequired(): boolean {
    return !this.default.noPass || !this.default.enabled;
  }
}

export { hashPassword };
