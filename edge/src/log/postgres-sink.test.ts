import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { hmacPromptHash } from "../../../vocabulary/prompt-hash";
import { realServiceEnv } from "../../test/support/real-services";
import { sampleRecord } from "../../test/support/sample-record";
import { createPostgresSink } from "./postgres-sink";

const env = realServiceEnv(
  ["DATABASE_URL", "SWITCHYARD_NEON_WSPROXY"],
  "Postgres request log tests (PostgreSQL behind the Neon wsproxy)",
);

describe.skipIf(!env)("createPostgresSink against the real PostgreSQL via wsproxy", () => {
  const connectionString = env?.DATABASE_URL ?? "";
  const wsProxy = env?.SWITCHYARD_NEON_WSPROXY ?? "";
  let db: pg.Client;
  const ids: string[] = [];
  const newId = () => {
    const id = `test_${crypto.randomUUID()}`;
    ids.push(id);
    return id;
  };

  beforeAll(async () => {
    db = new pg.Client({ connectionString });
    await db.connect();
  });
  afterAll(async () => {
    await db?.query("DELETE FROM requests WHERE id = ANY($1)", [ids]);
    await db?.end();
  });

  it("writes a record that reads back intact, with the prompt only as its HMAC", async () => {
    const lines: string[] = [];
    const sink = createPostgresSink({
      connectionString,
      wsProxy,
      webSocketConstructor: ws,
      logLine: (l) => lines.push(l),
    });
    const prompt = "my very private prompt";
    const record = {
      ...sampleRecord,
      id: newId(),
      fallbackFrom: ["codegemma-7b", "qwen2.5-7b-instruct"],
      continuedAfter: "network_error",
      routeConfidence: 0.75,
      promptHash: await hmacPromptHash("test-key", prompt),
    };
    await sink.write(record);
    expect(lines).toEqual([]);
    expect(sink.stats()).toEqual({ written: 1, failed: 0 });

    const { rows } = await db.query("SELECT * FROM requests WHERE id = $1", [record.id]);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      user_id: "alice",
      endpoint: "chat.completions",
      requested_model: "auto",
      model_id: "qwen2.5-7b-instruct",
      status: 200,
      outcome: "ok",
      cache: "MISS",
      stream: true,
      latency_ms: 120,
      ttft_ms: 30,
      prompt_tokens: 12,
      completion_tokens: 40,
      route_reason: "round_robin",
      route_confidence: 0.75,
      attempts: 1,
      fallback_from: ["codegemma-7b", "qwen2.5-7b-instruct"],
      continued_after: "network_error",
      prompt_hash: record.promptHash,
    });
    expect((row.timestamp as Date).toISOString()).toBe(record.timestamp);
    expect(JSON.stringify(row)).not.toContain(prompt);
  });

  it("ignores a duplicate write of the same id", async () => {
    const sink = createPostgresSink({ connectionString, wsProxy, webSocketConstructor: ws });
    const record = { ...sampleRecord, id: newId() };
    await Promise.all([sink.write(record), sink.write({ ...record, status: 500 })]);
    expect(sink.stats()).toEqual({ written: 2, failed: 0 });
    const { rows } = await db.query("SELECT status FROM requests WHERE id = $1", [record.id]);
    expect(rows).toHaveLength(1);
  });

  it("survives a database on the wrong port: resolves, counts, logs the record", async () => {
    const lines: string[] = [];
    const wrongPort = new URL(connectionString);
    wrongPort.port = "1";
    const sink = createPostgresSink({
      connectionString: wrongPort.toString(),
      wsProxy,
      webSocketConstructor: ws,
      logLine: (l) => lines.push(l),
      onFailure: () => failures++,
    });
    let failures = 0;
    const record = { ...sampleRecord, id: newId() };
    await expect(sink.write(record)).resolves.toBeUndefined();
    await expect(sink.write(record)).resolves.toBeUndefined();
    expect(sink.stats()).toEqual({ written: 0, failed: 2 });
    expect(failures).toBe(2);
    const logged = JSON.parse(lines[0] ?? "{}");
    expect(logged).toMatchObject({
      msg: "request log write failed",
      failed_writes: 1,
      record: { request_id: record.id },
    });
  });

  it("survives the proxy being down and a server that never answers (timeout)", async () => {
    const down = createPostgresSink({
      connectionString,
      wsProxy: "127.0.0.1:9",
      webSocketConstructor: ws,
      logLine: () => {},
    });
    await expect(down.write({ ...sampleRecord, id: newId() })).resolves.toBeUndefined();
    expect(down.stats().failed).toBe(1);

    // Accepts TCP connections and never replies: the write must give up on its own.
    const sockets: import("node:net").Socket[] = [];
    const blackHole: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, "127.0.0.1", r));
    try {
      const port = (blackHole.address() as AddressInfo).port;
      const stuck = createPostgresSink({
        connectionString,
        wsProxy: `127.0.0.1:${port}`,
        webSocketConstructor: ws,
        timeoutMs: 300,
        logLine: () => {},
      });
      const started = Date.now();
      await expect(stuck.write({ ...sampleRecord, id: newId() })).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(stuck.stats()).toEqual({ written: 0, failed: 1 });
    } finally {
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  });
});
