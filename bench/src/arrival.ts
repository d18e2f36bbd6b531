/**
 * Arrival schedules for open-loop load: when each request is sent, independent of how
 * fast earlier ones complete (so a slow server builds a queue instead of slowing the
 * client down, which closed-loop load hides: "coordinated omission").
 *
 * @example
 * arrivalOffsetsMs({ process: "poisson", ratePerSec: 20, count: 100, seed: 1 });
 */
export type ArrivalProcess = "poisson" | "constant";

export interface ArrivalOptions {
  process: ArrivalProcess;
  /** Mean arrivals per second (> 0). */
  ratePerSec: number;
  /** Number of arrivals; or stop at durationMs, whichever is given (count wins if both). */
  count?: number;
  durationMs?: number;
  /** Seed for the Poisson process, so runs are repeatable. */
  seed?: number;
}

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets in ms from the start of the run, ascending; the first arrival is at 0. */
export function arrivalOffsetsMs(opts: ArrivalOptions): number[] {
  if (!(opts.ratePerSec > 0)) throw new RangeError("ratePerSec must be > 0");
  if (opts.count === undefined && opts.durationMs === undefined) {
    throw new RangeError("give count or durationMs");
  }
  const meanGapMs = 1000 / opts.ratePerSec;
  const random = seededRandom(opts.seed ?? 1);
  const offsets: number[] = [];
  let t = 0;
  const limit = opts.count ?? Number.POSITIVE_INFINITY;
  while (offsets.length < limit) {
    if (opts.count === undefined && opts.durationMs !== undefined && t >= opts.durationMs) break;
    offsets.push(t);
    // Exponential gaps make a Poisson process; 1 - u keeps log() away from 0.
    t += opts.process === "constant" ? meanGapMs : -Math.log(1 - random()) * meanGapMs;
  }
  return offsets;
}
