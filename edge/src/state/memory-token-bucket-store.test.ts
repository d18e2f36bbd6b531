import { describe, expect, it } from "vitest";
import { createMemoryTokenBucketStore } from "./memory-token-bucket-store";
import { stepTokenBucket } from "./token-bucket-math";

const spec = { capacity: 3, refillPerSecond: 1 };

describe("stepTokenBucket", () => {
  it("starts full, takes, and denies when empty with retry-after until one token", () => {
    let state: ReturnType<typeof stepTokenBucket>["state"] | undefined;
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const step = stepTokenBucket(state, spec, 1, 1000);
      expect(step.decision.allowed).toBe(true);
      remaining.push(step.decision.remaining);
      state = step.state;
    }
    expect(remaining).toEqual([2, 1, 0]);
    const denied = stepTokenBucket(state, spec, 1, 1000);
    expect(denied.decision).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 3,
      retryAfterSeconds: 1,
    });
  });

  it("refills continuously and never above capacity", () => {
    const empty = { tokens: 0, updatedAtMs: 0 };
    expect(stepTokenBucket(empty, spec, 1, 999).decision.allowed).toBe(false);
    const at1s = stepTokenBucket(empty, spec, 1, 1000);
    expect(at1s.decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(stepTokenBucket(empty, spec, 0, 60_000).state.tokens).toBe(3);
  });

  it("computes retry-after from the missing tokens for costly takes", () => {
    const slow = { capacity: 10, refillPerSecond: 0.5 };
    const d = stepTokenBucket({ tokens: 1.5, updatedAtMs: 0 }, slow, 4, 0).decision;
    // 2.5 tokens missing at 0.5/s -> 5 s; full in (10 - 1.5) / 0.5 = 17 s.
    expect(d).toEqual({ allowed: false, limit: 10, remaining: 1, resetSeconds: 17, retryAfterSeconds: 5 });
  });

  it("rejects invalid specs through the store", async () => {
    const store = createMemoryTokenBucketStore();
    await expect(store.take("k", { capacity: 0, refillPerSecond: 1 })).rejects.toThrow(RangeError);
    await expect(store.take("k", { capacity: 1, refillPerSecond: -1 })).rejects.toThrow(RangeError);
  });
});

describe("createMemoryTokenBucketStore", () => {
  it("admits exactly B of N concurrent takes", async () => {
    const store = createMemoryTokenBucketStore();
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => store.take("alice", { capacity: 10, refillPerSecond: 0.01 })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds >= 1)).toBe(true);
  });

  it("keeps buckets per key and refills with the clock", async () => {
    let now = 0;
    const store = createMemoryTokenBucketStore({ now: () => now });
    const b = { capacity: 2, refillPerSecond: 2 };
    expect((await store.take("a", b)).allowed).toBe(true);
    expect((await store.take("a", b)).allowed).toBe(true);
    expect((await store.take("a", b)).allowed).toBe(false);
    expect((await store.take("b", b)).allowed).toBe(true);
    now = 500;
    expect((await store.take("a", b)).allowed).toBe(true);
    expect((await store.take("a", b)).allowed).toBe(false);
  });

  it("bounds the number of buckets, forgetting the least recently used", async () => {
    const store = createMemoryTokenBucketStore({ maxBuckets: 2, now: () => 0 });
    const b = { capacity: 1, refillPerSecond: 0.001 };
    await store.take("a", b);
    await store.take("b", b);
    await store.take("c", b); // evicts "a"
    expect((await store.take("b", b)).allowed).toBe(false);
    expect((await store.take("a", b)).allowed).toBe(true);
  });
});
