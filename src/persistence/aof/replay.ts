// Shard 0's replay of the AOF on boot: the files' commands run as one client's, through a
// Connection over the file bytes (replies dropped, as Redis's fake AOF client's are).
import type { Shard } from "../../server/shard.ts";
import type { Peers } from "../../server/peers.ts";
import { Connection } from "../../server/connection.ts";
import { log } from "../../log.ts";
import { aofCommandStreams, findManifest, replayConnection } from "./load.ts";
import { aofSettings } from "./settings.ts";

export async function loadAppendOnlyFile(shard: Shard, peers: Peers | null): Promise<void> {
  const settings = aofSettings((name) => shard.config.get(name));
  const manifest = findManifest(settings.directory, settings.prefix);
  if (!manifest) return;
  const started = performance.now();
  const truncatedOk = shard.config.get("aof-load-truncated") === true;
  const streams = aofCommandStreams(settings.directory, manifest, truncatedOk, settings.prefix);
  const connection = new Connection(replayConnection(streams), shard, peers, {
    isShuttingDown: () => false,
  });
  await connection.serve();
  const seconds = ((performance.now() - started) / 1000).toFixed(3);
  log.notice(`DB loaded from append only file: ${seconds} seconds`);
}
