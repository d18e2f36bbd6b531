import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPortUrl, type FakeBackend, startFakeBackend } from "../../test/support/fake-backend";
import { chatBody, createTestEdge, readSse } from "../../test/support/harness";
import { ReplicaPool } from "./replicas";

describe("ReplicaPool", () => {
  it("picks the replica with the fewest outstanding requests; a settled lease frees its slot", () => {
    const pool = new ReplicaPool(["http://a", "http://b"], { failureThreshold: 1, cooldownMs: 1000 });
    const first = pool.acquire();
    const second = pool.acquire();
    expect(new Set([first?.url, second?.url])).toEqual(new Set(["http://a", "http://b"]));
    expect(pool.outstanding).toEqual({ "http://a": 1, "http://b": 1 });
    first?.onSuccess();
    first?.onSuccess(); // settling twice counts once
    expect(pool.acquire()?.url).toBe(first?.url);
  });

  it("skips a replica whose circuit is open; the model is open only when every replica is", () => {
    let now = 0;
    const pool = new ReplicaPool(["http://a", "http://b"], {
      failureThreshold: 1,
      cooldownMs: 100,
      now: () => now,
    });
    const dead = pool.acquire();
    dead?.onFailure();
    expect(pool.state).toBe("closed");
    for (let i = 0; i < 4; i++) {
      const lease = pool.acquire();
      expect(lease?.url).not.toBe(dead?.url);
      lease?.release();
    }
    const other = pool.acquire();
    other?.onFailure();
    expect(pool.state).toBe("open");
    expect(pool.acquire()).toBeNull();
    expect(pool.retryInMs).toBe(100);
    now = 100; // cooldown over: one probe each
    expect(pool.state).toBe("half-open");
    expect(pool.acquire()).not.toBeNull();
    expect(pool.acquire()).not.toBeNull();
    expect(pool.acquire()).toBeNull();
  });
});

describe("replicas through the edge (SWITCHYARD_MODELS backends list)", () => {
  let a: FakeBackend;
  let b: FakeBackend;
  beforeAll(async () => {
    [a, b] = await Promise.all([startFakeBackend(), startFakeBackend()]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it("spreads concurrent requests over the replicas of one model, and works with a custom id", async () => {
    a.reset();
    b.reset();
    const slow = { kind: "ok" as const, gapMs: 100 };
    a.behave(slow);
    b.behave(slow);
    const edge = createTestEdge({
      SWITCHYARD_MODELS: JSON.stringify({ "my-model": { backends: [a.url, b.url] } }),
      SWITCHYARD_CACHE_TTL_SECONDS: "0",
    });
    const replies = await Promise.all(
      [0, 1, 2, 3].map(() => edge.post("/v1/chat/completions", chatBody("my-model", { stream: true }))),
    );
    for (const res of replies) {
      expect(res.status).toBe(200);
      expect(res.headers.get("x-switchyard-model")).toBe("my-model");
      expect((await readSse(res)).done).toBe(true);
    }
    expect(a.received).toHaveLength(2);
    expect(b.received).toHaveLength(2);
  });

  it("a dead replica is retried on the other one, not reported as the model being down", async () => {
    a.reset();
    const edge = createTestEdge({
      SWITCHYARD_MODELS: JSON.stringify({ "my-model": { backends: [await closedPortUrl(), a.url] } }),
      SWITCHYARD_RETRIES: "1",
      SWITCHYARD_RETRY_BASE_MS: "1",
      SWITCHYARD_BREAKER_FAILURES: "1",
      SWITCHYARD_CACHE_TTL_SECONDS: "0",
    });
    for (let i = 0; i < 3; i++) {
      const res = await edge.post("/v1/chat/completions", chatBody("my-model"));
      expect(res.status).toBe(200);
    }
    expect(a.received).toHaveLength(3); // after the first failure the dead replica's circuit is open
  });
});
