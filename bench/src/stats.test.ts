import { describe, expect, it } from "vitest";
import type { Sample } from "./request.js";
import { distribution, percentile } from "./stats.js";
import { summarize } from "./summary.js";

describe("percentile", () => {
  it("interpolates between closest ranks like numpy", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40], 95)).toBeCloseTo(38.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).toBeCloseTo(99.01);
    expect(percentile(hundred, 50)).toBeCloseTo(50.5);
  });

  it("handles one value, no values and ignores non-finite ones", () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([Number.NaN, 5, Number.POSITIVE_INFINITY], 50)).toBe(5);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("does not reorder the caller's array", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
    expect(distribution(xs)).toMatchObject({ p50: 2, min: 1, max: 3, mean: 2 });
  });
});

describe("summarize", () => {
  const sample = (startMs: number, latencyMs: number, ok: boolean, extra: Partial<Sample> = {}): Sample => ({
    startMs,
    latencyMs,
    ok,
    status: ok ? 200 : 503,
    ttftMs: ok ? latencyMs / 4 : null,
    completionTokens: ok ? 10 : 0,
    streamTokensPerSec: ok ? 100 : null,
    ...(ok ? {} : { errorKind: "http_5xx" as const }),
    ...extra,
  });

  it("computes throughput over the measured window and errors by kind", () => {
    const s = summarize([
      sample(0, 100, true),
      sample(50, 150, true, { cache: "HIT" }),
      sample(100, 100, false),
      sample(100, 20, false, { errorKind: "http_429", status: 429 }),
    ]);
    expect(s.windowMs).toBe(200);
    expect(s.requests).toBe(4);
    expect(s.ok).toBe(2);
    expect(s.errorRate).toBe(0.5);
    expect(s.errors).toEqual({ http_5xx: 1, http_429: 1 });
    expect(s.requestsPerSec).toBe(10); // 2 ok in 0.2 s
    expect(s.aggregateTokensPerSec).toBe(100); // 20 tokens in 0.2 s
    expect(s.latencyMs.p50).toBe(125); // only successful requests
    expect(s.cache).toEqual({ hit: 1 });
  });
});
