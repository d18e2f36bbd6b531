import { describe, expect, it } from "vitest";
import { realServiceEnv } from "../../test/support/real-services";
import { createMemoryTokenBucketStore } from "./memory-token-bucket-store";
import { idleTtlSeconds } from "./token-bucket-math";
import { createUpstashRedis } from "./upstash-redis";
import { createUpstashTokenBucketStore } from "./upstash-token-bucket-store";

const env = realServiceEnv(
  ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
  "Upstash token bucket tests (redis-server behind the Upstash REST bridge)",
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!env)("createUpstashTokenBucketStore against real Redis", () => {
  const redis = createUpstashRedis({
    url: env?.UPSTASH_REDIS_REST_URL ?? "",
    token: env?.UPSTASH_REDIS_REST_TOKEN ?? "",
  });
  const prefix = `test:${crypto.randomUUID()}:`;
  const store = createUpstashTokenBucketStore(redis, { prefix });

  it("admits exactly B of N parallel takes (50 vs 10), across separate clients", async () => {
    const bucket = { capacity: 10, refillPerSecond: 0.001 };
    // Two stores with their own HTTP clients stand in for two edge isolates.
    const other = createUpstashTokenBucketStore(
      createUpstashRedis({
        url: env?.UPSTASH_REDIS_REST_URL ?? "",
        token: env?.UPSTASH_REDIS_REST_TOKEN ?? "",
      }),
      { prefix },
    );
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? store : other).take("parallel", bucket)),
    );
    const admitted = decisions.filter((d) => d.allowed);
    expect(admitted).toHaveLength(10);
    expect(admitted.map((d) => d.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const d of decisions.filter((d) => !d.allowed)) {
      expect(d).toMatchObject({ limit: 10, remaining: 0 });
      expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(999); // 1 token at 0.001/s
    }
  });

  it("decides like the in-memory store for the same sequence", async () => {
    const bucket = { capacity: 5, refillPerSecond: 0.0001 };
    const memory = createMemoryTokenBucketStore();
    for (const cost of [1, 2, 3, 1, 1, 0, 5, 1]) {
      const [viaRedis, inMemory] = [
        await store.take("same", bucket, cost),
        await memory.take("same", bucket, cost),
      ];
      expect(viaRedis, `cost ${cost}`).toEqual(inMemory);
    }
  });

  it("refills continuously over time, up to capacity", async () => {
    // One token per 500 ms: wide margins, so a slow, loaded CI machine cannot refill by accident.
    const bucket = { capacity: 2, refillPerSecond: 2 };
    expect((await store.take("refill", bucket)).allowed).toBe(true);
    expect((await store.take("refill", bucket)).allowed).toBe(true);
    expect((await store.take("refill", bucket)).allowed).toBe(false);
    await sleep(600); // >= 1 token back
    expect((await store.take("refill", bucket)).allowed).toBe(true);
    await sleep(1600); // would be 3+ tokens, capped at 2
    const afterIdle = [await store.take("refill", bucket), await store.take("refill", bucket)];
    expect(afterIdle.map((d) => d.allowed)).toEqual([true, true]);
    expect((await store.take("refill", bucket)).allowed).toBe(false);
  });

  it("computes Retry-After and reset from the Redis clock", async () => {
    // 0.01 tokens/s: each second between the takes refills 0.01 token, which can lower the
    // whole-second answers by at most one per elapsed second (the exact math is unit-tested).
    const bucket = { capacity: 5, refillPerSecond: 0.01 };
    for (let i = 0; i < 5; i++) await store.take("retry", bucket);
    const denied = await store.take("retry", bucket);
    expect(denied).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(98); // 1 token / 0.01 per s = 100 s
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(100);
    expect(denied.resetSeconds).toBeGreaterThanOrEqual(498); // 5 tokens = 500 s
    expect(denied.resetSeconds).toBeLessThanOrEqual(500);
    const costly = await store.take("retry", bucket, 3);
    expect(costly.retryAfterSeconds).toBeGreaterThanOrEqual(298);
    expect(costly.retryAfterSeconds).toBeLessThanOrEqual(300);
    // A fresh bucket is exactly full: 6 > 5 is denied, 1 missing token = 100 s.
    const tooBig = await store.take("fresh", bucket, 6);
    expect(tooBig).toEqual({
      allowed: false,
      limit: 5,
      remaining: 5,
      resetSeconds: 0,
      retryAfterSeconds: 100,
    });
  });

  it("lets idle buckets expire (key TTL = time to refill)", async () => {
    const bucket = { capacity: 30, refillPerSecond: 1 };
    await store.take("ttl", bucket);
    const ttl = await redis.ttl(`${prefix}ttl`);
    expect(ttl).toBeGreaterThan(idleTtlSeconds(bucket) - 3);
    expect(ttl).toBeLessThanOrEqual(idleTtlSeconds(bucket));
  });

  it("falls back to EVAL when the script cache was flushed", async () => {
    const bucket = { capacity: 1, refillPerSecond: 0.001 };
    expect((await store.take("flush", bucket)).allowed).toBe(true);
    await redis.scriptFlush();
    expect((await store.take("flush", bucket)).allowed).toBe(false);
    expect((await store.take("flush2", bucket)).allowed).toBe(true);
  });

  it("rejects (does not hang) when Redis is unreachable", async () => {
    const down = createUpstashTokenBucketStore(
      createUpstashRedis({ url: "http://127.0.0.1:9", token: "x", retries: 0 }),
    );
    await expect(down.take("k", { capacity: 1, refillPerSecond: 1 })).rejects.toThrow();
  });
});
