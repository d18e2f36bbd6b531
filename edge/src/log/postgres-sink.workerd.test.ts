import { describe, expect, it } from "vitest";
import { sampleRecord } from "../../test/support/sample-record";
import { workerdServiceEnv } from "../../test/support/workerd-env";
import { createPostgresSink } from "./postgres-sink";

const env = workerdServiceEnv(["DATABASE_URL", "SWITCHYARD_NEON_WSPROXY"], "Postgres request log in workerd");

describe.skipIf(!env)("Postgres request log inside workerd", () => {
  it("writes a record through the Neon driver and wsproxy", async () => {
    const lines: string[] = [];
    const sink = createPostgresSink({
      connectionString: env?.DATABASE_URL ?? "",
      wsProxy: env?.SWITCHYARD_NEON_WSPROXY ?? "",
      logLine: (l) => lines.push(l),
    });
    const id = `test_workerd_${crypto.randomUUID()}`;
    await sink.write({ ...sampleRecord, id });
    expect(lines).toEqual([]);
    expect(sink.stats()).toEqual({ written: 1, failed: 0 });
    // Read it back with the same driver to prove the row landed; then clean up.
    const { Client } = await import("@neondatabase/serverless");
    const client = new Client({ connectionString: env?.DATABASE_URL ?? "" });
    const proxy = env?.SWITCHYARD_NEON_WSPROXY ?? "";
    client.neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
    client.neonConfig.useSecureWebSocket = false;
    client.neonConfig.pipelineTLS = false;
    await client.connect();
    try {
      const { rows } = await client.query(
        "DELETE FROM requests WHERE id = $1 RETURNING user_id, prompt_hash",
        [id],
      );
      expect(rows).toEqual([{ user_id: "alice", prompt_hash: sampleRecord.promptHash }]);
    } finally {
      await client.end();
    }
  });

  it("a database outage resolves and is counted", async () => {
    const url = new URL(env?.DATABASE_URL ?? "postgres://x");
    url.port = "1";
    const sink = createPostgresSink({
      connectionString: url.toString(),
      wsProxy: env?.SWITCHYARD_NEON_WSPROXY ?? "",
      timeoutMs: 2000,
      logLine: () => {},
    });
    await expect(sink.write({ ...sampleRecord, id: `test_${crypto.randomUUID()}` })).resolves.toBeUndefined();
    expect(sink.stats()).toEqual({ written: 0, failed: 1 });
  });
});
