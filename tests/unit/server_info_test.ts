// INFO's pure parts: section choice, Redis's number formats, and the merge of several shards'
// INFO texts into one (src/commands/info.ts, info_sections.ts, info_format.ts).
import assert from "node:assert/strict";
import { chooseSections, combineInfo } from "../../src/commands/info.ts";
import { bytesToHuman, fixed, secondsFromMicros } from "../../src/commands/info_format.ts";
import { ReplyWriter } from "../../src/protocol/reply_writer.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

Deno.test("chooseSections: default, all, everything, names in any case", () => {
  const plain = chooseSections([]);
  assert.equal(plain.all, false);
  assert.deepEqual(
    [...plain.names],
    [
      "server",
      "clients",
      "memory",
      "persistence",
      "stats",
      "replication",
      "cpu",
      "modules",
      "errorstats",
      "cluster",
      "keyspace",
    ],
  );
  assert.deepEqual(chooseSections(["default"]).names, plain.names);
  assert.equal(chooseSections(["ALL"]).all, true);
  assert.equal(chooseSections(["everything"]).all, true);
  assert.deepEqual([...chooseSections(["KeySpace", "bogus"]).names], ["keyspace", "bogus"]);
  assert.ok(chooseSections(["default", "commandstats"]).names.has("commandstats"));
});

Deno.test("fixed rounds like printf's %.2f, ties to even", () => {
  assert.equal(fixed(0.125, 2), "0.12");
  assert.equal(fixed(0.375, 2), "0.38");
  assert.equal(fixed(1.005, 2), "1.00"); // 1.005 is just below the tie in binary
  assert.equal(fixed(2.5, 0), "2");
  assert.equal(fixed(99.71428, 2), "99.71");
  assert.equal(fixed(Infinity, 2), "inf");
});

Deno.test("bytesToHuman matches Redis's units", () => {
  assert.equal(bytesToHuman(0), "0B");
  assert.equal(bytesToHuman(1023), "1023B");
  assert.equal(bytesToHuman(941616), "919.55K");
  assert.equal(bytesToHuman(12296192), "11.73M");
  assert.equal(bytesToHuman(25276063744), "23.54G");
  assert.equal(secondsFromMicros(4827), "0.004827");
  assert.equal(secondsFromMicros(12_000_001), "12.000001");
});

function bulk(text: string): Uint8Array {
  const body = enc.encode(text);
  return enc.encode(`$${body.length}\r\n${text}\r\n`);
}

function combined(texts: string[], resp: 2 | 3 = 2): string {
  const out = new ReplyWriter();
  out.resp = resp;
  combineInfo(texts.map(bulk), out, []);
  return dec.decode(out.bytes());
}

Deno.test("combineInfo adds counters, keeps shard 0's settings and recomputes derived fields", () => {
  const shard = (clients: number, used: number, port: number) =>
    `# Clients\r\nconnected_clients:${clients}\r\ncluster_connections:0\r\nmaxclients:10000\r\n` +
    `client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:0\r\n` +
    `tracking_clients:0\r\nclients_in_timeout_table:0\r\n\r\n` +
    `# Server\r\ntcp_port:${port}\r\n\r\n` +
    `# Stats\r\ninstantaneous_input_kbps:0.25\r\n\r\n` +
    `# Memory\r\nused_memory:${used}\r\nused_memory_human:x\r\n`;
  const text = combined([shard(2, 1024, 6379), shard(3, 2048, 1)]);
  assert.match(text, /connected_clients:5\r\n/);
  assert.match(text, /maxclients:10000\r\n/);
  assert.match(text, /used_memory:3072\r\nused_memory_human:3\.00K\r\n/);
});

Deno.test("combineInfo merges keyspace lines, weighting avg_ttl by keys with a TTL", () => {
  const a = "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=1000\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n";
  const b = "# Keyspace\r\ndb0:keys=2,expires=3,avg_ttl=3000\r\ndb2:keys=4,expires=0,avg_ttl=0\r\n";
  assert.equal(
    combined([a, b]),
    "$111\r\n# Keyspace\r\ndb0:keys=5,expires=4,avg_ttl=2500\r\ndb2:keys=4,expires=0,avg_ttl=0\r\n" +
      "db5:keys=1,expires=0,avg_ttl=0\r\n\r\n",
  );
});

Deno.test("combineInfo merges commandstats and errorstats, sorted, in RESP3 as verbatim text", () => {
  const a =
    "# Commandstats\r\ncmdstat_get:calls=2,usec=10,usec_per_call=5.00,rejected_calls=0,failed_calls=1\r\n\r\n" +
    "# Errorstats\r\nerrorstat_WRONGTYPE:count=1\r\n";
  const b =
    "# Commandstats\r\ncmdstat_del:calls=1,usec=3,usec_per_call=3.00,rejected_calls=1,failed_calls=0\r\n" +
    "cmdstat_get:calls=1,usec=2,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n\r\n" +
    "# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n";
  const text = combined([a, b], 3);
  assert.ok(text.startsWith("=") && text.includes("txt:# Commandstats\r\n"));
  assert.match(
    text,
    /cmdstat_del:calls=1,usec=3,usec_per_call=3\.00,rejected_calls=1,failed_calls=0\r\ncmdstat_get:calls=3,usec=12,usec_per_call=4\.00,rejected_calls=0,failed_calls=1\r\n/,
  );
  assert.match(text, /# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=2\r\n/);
});

Deno.test("combineInfo passes on a shard's error and empty INFO stays empty", () => {
  const out = new ReplyWriter();
  combineInfo([bulk("# Cluster\r\ncluster_enabled:0\r\n"), enc.encode("-ERR boom\r\n")], out, []);
  assert.equal(dec.decode(out.bytes()), "-ERR boom\r\n");
  assert.equal(combined(["", ""]), "$0\r\n\r\n");
});
