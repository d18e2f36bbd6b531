import { type ArrivalProcess, arrivalOffsetsMs } from "./arrival.js";
import type { Sample } from "./request.js";
import { type Summary, summarize } from "./summary.js";

/** Sends one request; `index` counts from 0 over warm-up and measured requests alike. */
export type Send = (index: number, clockZero: number) => Promise<Sample>;

export type LoadPlan =
  | {
      mode: "closed";
      /** Requests in flight at all times (each worker sends its next request when one ends). */
      concurrency: number;
      /** Measured requests, or a measured duration (requests wins if both). */
      requests?: number;
      durationMs?: number;
      /** Requests sent first and left out of the statistics (they warm caches, JITs and KV). */
      warmup: number;
    }
  | {
      mode: "open";
      process: ArrivalProcess;
      ratePerSec: number;
      requests?: number;
      durationMs?: number;
      warmup: number;
      seed?: number;
      /** Safety valve: arrivals beyond this many in flight are dropped and counted. */
      maxInFlight?: number;
    };

export interface LoadResult {
  summary: Summary;
  samples: Sample[];
  /** Open loop only: arrivals not sent because maxInFlight was reached. */
  dropped: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs a load plan against `send`. The measured window runs from the first measured
 * request's start to the last one's end; throughput is computed over that window.
 *
 * @example
 * await runLoad({ mode: "closed", concurrency: 8, requests: 64, warmup: 8 }, (i, z) => sendChat(t, spec(i), z));
 */
export async function runLoad(plan: LoadPlan, send: Send): Promise<LoadResult> {
  return plan.mode === "closed" ? runClosed(plan, send) : runOpen(plan, send);
}

async function runClosed(plan: Extract<LoadPlan, { mode: "closed" }>, send: Send): Promise<LoadResult> {
  if (plan.concurrency < 1) throw new RangeError("concurrency must be >= 1");
  const clockZero = performance.now();
  let next = 0;
  // Warm-up at the same concurrency, then the measured phase starts with a full pipe.
  if (plan.warmup > 0) {
    const workers = Array.from({ length: Math.min(plan.concurrency, plan.warmup) }, async () => {
      while (next < plan.warmup) await send(next++, clockZero);
    });
    await Promise.all(workers);
  }
  const first = next;
  const measuredStart = performance.now();
  const stopAt =
    plan.requests === undefined && plan.durationMs !== undefined ? measuredStart + plan.durationMs : null;
  const limit = plan.requests !== undefined ? first + plan.requests : Number.POSITIVE_INFINITY;
  if (plan.requests === undefined && stopAt === null) throw new RangeError("give requests or durationMs");
  const samples: Sample[] = [];
  const workers = Array.from({ length: plan.concurrency }, async () => {
    while (next < limit && (stopAt === null || performance.now() < stopAt)) {
      samples.push(await send(next++, clockZero));
    }
  });
  await Promise.all(workers);
  samples.sort((a, b) => a.startMs - b.startMs);
  return { summary: summarize(samples), samples, dropped: 0 };
}

async function runOpen(plan: Extract<LoadPlan, { mode: "open" }>, send: Send): Promise<LoadResult> {
  const arrivalOpts = {
    process: plan.process,
    ratePerSec: plan.ratePerSec,
    seed: plan.seed ?? 1,
    ...(plan.requests !== undefined
      ? { count: plan.requests + plan.warmup }
      : { durationMs: (plan.durationMs ?? 0) + (plan.warmup * 1000) / plan.ratePerSec }),
  };
  const offsets = arrivalOffsetsMs(arrivalOpts);
  const maxInFlight = plan.maxInFlight ?? 256;
  const clockZero = performance.now();
  const pending: Promise<void>[] = [];
  const samples: Sample[] = [];
  let inFlight = 0;
  let dropped = 0;
  for (let i = 0; i < offsets.length; i++) {
    const due = clockZero + (offsets[i] as number);
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight >= maxInFlight) {
      if (i >= plan.warmup) dropped++;
      continue;
    }
    inFlight++;
    const index = i;
    pending.push(
      send(index, clockZero).then((s) => {
        inFlight--;
        if (index >= plan.warmup) samples.push(s);
      }),
    );
  }
  await Promise.all(pending);
  samples.sort((a, b) => a.startMs - b.startMs);
  return { summary: summarize(samples), samples, dropped };
}
