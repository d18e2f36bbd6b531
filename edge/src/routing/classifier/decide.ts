import type { RouterMeta } from "./meta.js";

/**
 * The decision rule shared by the worker and evaluation (classifier/python/train.py has the same
 * rule for the parity sample): the cheapest model whose calibrated success probability clears the
 * threshold; ties in cost go to the higher probability, then the earlier model. When no model
 * clears it, the most probable one. Threshold 0 = always the cheapest, 1 = always the most likely.
 */
export function chooseModelIndex(
  probabilities: ArrayLike<number>,
  costs: ArrayLike<number>,
  threshold: number,
): number {
  const n = probabilities.length;
  let best = -1;
  for (let i = 0; i < n; i++) {
    if (probabilities[i]! < threshold) continue;
    if (
      best < 0 ||
      costs[i]! < costs[best]! ||
      (costs[i] === costs[best] && probabilities[i]! > probabilities[best]!)
    ) {
      best = i;
    }
  }
  if (best >= 0) return best;
  best = 0;
  for (let i = 1; i < n; i++) if (probabilities[i]! > probabilities[best]!) best = i;
  return best;
}

/** Applies the per-column Platt scaling from the metadata, in float64. */
export function calibrate(raw: ArrayLike<number>, calibration: RouterMeta["calibration"]): number[] {
  const out = new Array<number>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const { a, b } = calibration[i] ?? { a: 1, b: 0 };
    const p = Math.min(1 - 1e-7, Math.max(1e-7, raw[i]!));
    out[i] = 1 / (1 + Math.exp(-(a * Math.log(p / (1 - p)) + b)));
  }
  return out;
}

/** Cost in USD of one request to each model: estimated prompt tokens plus the assumed output. */
export function requestCosts(
  meta: Pick<RouterMeta, "models" | "prices" | "assumed_output_tokens">,
  promptTokens: number,
): number[] {
  return meta.models.map((m) => {
    const p = meta.prices[m];
    if (!p) return Number.POSITIVE_INFINITY;
    return (promptTokens * p.input_usd_per_mtok + meta.assumed_output_tokens * p.output_usd_per_mtok) / 1e6;
  });
}

/**
 * Fallbacks after `routed`: the larger models in tier order, then the smaller ones from the
 * closest down (any model is better than no answer). Models not in `order` go last.
 *
 * @example
 * cascadeFrom("qwen2.5-7b-instruct", ["codegemma-7b", "qwen2.5-7b-instruct", "gemma-2-9b-it"]);
 * // ["gemma-2-9b-it", "codegemma-7b"]
 */
export function cascadeFrom(
  routed: string,
  order: readonly string[],
  available: readonly string[] = order,
): string[] {
  const tiered = order.filter((m) => available.includes(m));
  const rest = available.filter((m) => !tiered.includes(m) && m !== routed);
  const at = tiered.indexOf(routed);
  if (at < 0) return [...tiered, ...rest];
  return [...tiered.slice(at + 1), ...tiered.slice(0, at).reverse(), ...rest];
}
