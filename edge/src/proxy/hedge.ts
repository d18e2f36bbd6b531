import type { HedgePolicy } from "../config";

export interface HedgeDelaysOptions {
  policy: HedgePolicy;
  /** The per-attempt time-to-first-token budget; an automatic delay stays well inside it. */
  ttftBudgetMs: number;
  /** Samples kept per model (a ring). */
  window?: number;
  /** Samples needed before the observed p95 is trusted. */
  minSamples?: number;
  /** Lowest automatic delay: below it a hedge would mostly double the load for nothing. */
  floorMs?: number;
}

/**
 * Hedge delays per backend: fixed, or "auto", the p95 time to first token this isolate observed
 * for the model (last `window` answers), within [floorMs, budget / 2]; a third of the budget
 * until there are `minSamples`. Memory is bounded: one ring of numbers per model id.
 *
 * @example
 * const hedges = createHedgeDelays({ policy: { kind: "auto" }, ttftBudgetMs: 15_000 });
 * hedges.observe("qwen2.5-7b-instruct", 420); hedges.delayFor("qwen2.5-7b-instruct"); // 5000 until 20 samples
 */
export function createHedgeDelays(options: HedgeDelaysOptions) {
  const { policy, ttftBudgetMs } = options;
  const window = options.window ?? 100;
  const minSamples = options.minSamples ?? 20;
  const floorMs = options.floorMs ?? 250;
  const samples = new Map<string, { values: number[]; next: number }>();

  const p95 = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
  };

  return {
    observe(modelId: string, ttftMs: number): void {
      if (policy.kind !== "auto") return;
      let ring = samples.get(modelId);
      if (!ring) {
        ring = { values: [], next: 0 };
        samples.set(modelId, ring);
      }
      if (ring.values.length < window) ring.values.push(ttftMs);
      else ring.values[ring.next] = ttftMs;
      ring.next = (ring.next + 1) % window;
    },
    delayFor(modelId: string): number | null {
      if (policy.kind === "off") return null;
      if (policy.kind === "fixed") return policy.ms;
      const ring = samples.get(modelId);
      if (!ring || ring.values.length < minSamples) return Math.round(ttftBudgetMs / 3);
      return Math.round(Math.min(ttftBudgetMs / 2, Math.max(floorMs, p95(ring.values))));
    },
  };
}
export type HedgeDelays = ReturnType<typeof createHedgeDelays>;
