import { describe, expect, it } from "vitest";
import { arrivalOffsetsMs } from "./arrival.js";
import type { Sample } from "./request.js";
import { runLoad } from "./runner.js";

const fakeSample = (startMs: number, latencyMs: number): Sample => ({
  startMs,
  latencyMs,
  ok: true,
  status: 200,
  ttftMs: latencyMs,
  completionTokens: 1,
  streamTokensPerSec: null,
});

describe("arrivalOffsetsMs", () => {
  it("spaces constant arrivals evenly", () => {
    expect(arrivalOffsetsMs({ process: "constant", ratePerSec: 4, count: 4 })).toEqual([0, 250, 500, 750]);
    expect(arrivalOffsetsMs({ process: "constant", ratePerSec: 10, durationMs: 300 })).toHaveLength(3);
  });

  it("makes Poisson arrivals with the requested mean rate, repeatable by seed", () => {
    const a = arrivalOffsetsMs({ process: "poisson", ratePerSec: 50, count: 5000, seed: 42 });
    const b = arrivalOffsetsMs({ process: "poisson", ratePerSec: 50, count: 5000, seed: 42 });
    expect(a).toEqual(b);
    const gaps = a.slice(1).map((t, i) => t - (a[i] as number));
    const meanGap = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(meanGap).toBeGreaterThan(18);
    expect(meanGap).toBeLessThan(22);
    // exponential gaps: the standard deviation is about the mean (constant gaps would give 0)
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - meanGap) ** 2, 0) / gaps.length);
    expect(sd / meanGap).toBeGreaterThan(0.85);
    expect(sd / meanGap).toBeLessThan(1.15);
    expect(gaps.every((g) => g >= 0)).toBe(true);
    expect(arrivalOffsetsMs({ process: "poisson", ratePerSec: 50, count: 50, seed: 7 })).not.toEqual(
      a.slice(0, 50),
    );
  });

  it("rejects a non-positive rate and a plan without an end", () => {
    expect(() => arrivalOffsetsMs({ process: "constant", ratePerSec: 0, count: 1 })).toThrow(RangeError);
    expect(() => arrivalOffsetsMs({ process: "constant", ratePerSec: 1 })).toThrow(RangeError);
  });
});

describe("runLoad", () => {
  it("open loop sends on schedule even when responses are slow, and excludes warm-up", async () => {
    const sentAt: number[] = [];
    const indices: number[] = [];
    const result = await runLoad(
      { mode: "open", process: "constant", ratePerSec: 100, requests: 10, warmup: 2 },
      async (index, zero) => {
        const start = performance.now() - zero;
        sentAt.push(start);
        indices.push(index);
        await new Promise((r) => setTimeout(r, 200)); // far slower than the 10 ms gap
        return fakeSample(start, 200);
      },
    );
    expect(indices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // the 12th request left ~110 ms in, long before the first response (200 ms): open loop
    expect(sentAt[11]).toBeLessThan(180);
    expect(sentAt[11]).toBeGreaterThanOrEqual(105);
    expect(result.samples).toHaveLength(10);
    expect(result.summary.requests).toBe(10);
    expect(Math.min(...result.samples.map((s) => s.startMs))).toBeGreaterThanOrEqual(15);
  });

  it("open loop drops arrivals beyond maxInFlight and counts them", async () => {
    const result = await runLoad(
      { mode: "open", process: "constant", ratePerSec: 1000, requests: 20, warmup: 0, maxInFlight: 5 },
      async (_i, zero) => {
        const start = performance.now() - zero;
        await new Promise((r) => setTimeout(r, 100));
        return fakeSample(start, 100);
      },
    );
    expect(result.samples).toHaveLength(5);
    expect(result.dropped).toBe(15);
  });

  it("closed loop keeps exactly `concurrency` requests in flight and runs warm-up first", async () => {
    let inFlight = 0;
    let peak = 0;
    const order: number[] = [];
    const result = await runLoad(
      { mode: "closed", concurrency: 4, requests: 12, warmup: 3 },
      async (index, zero) => {
        const start = performance.now() - zero;
        order.push(index);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return fakeSample(start, 5);
      },
    );
    expect(peak).toBe(4);
    expect(order).toHaveLength(15);
    expect(result.samples).toHaveLength(12);
  });

  it("closed loop by duration stops sending after the duration", async () => {
    const t0 = performance.now();
    const result = await runLoad(
      { mode: "closed", concurrency: 2, durationMs: 100, warmup: 0 },
      async (_i, zero) => {
        const start = performance.now() - zero;
        await new Promise((r) => setTimeout(r, 10));
        return fakeSample(start, 10);
      },
    );
    expect(performance.now() - t0).toBeLessThan(200);
    expect(result.samples.length).toBeGreaterThan(6);
    expect(result.samples.length).toBeLessThan(24);
  });
});
