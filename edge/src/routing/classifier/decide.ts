import type { RouterMeta } from "./meta.js";

/**
 * The decision rule shared by the worker and evaluation (classifier/python/train.py has the same
 * rule for the parity sample and the out-of-fold curve): the model with the highest predicted
 * quality minus `lambda` times its cost in units of `costScale`; ties go to the cheaper model, then
 * the earlier one. `lambda` 0 = best predicted quality at any price; large = always the cheapest.
 *
 * @example
 * chooseModelIndex([0.6, 0.7], [1e-5, 1e-4], 0.5, 1e-4); // 0: 0.7 - 0.5 < 0.6 - 0.05
 */
export function chooseModelIndex(
  quality: ArrayLike<number>,
  costs: ArrayLike<number>,
  lambda: number,
  costScale: number,
): number {
  const scale = costScale > 0 ? costScale : 1;
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < quality.length; i++) {
    const q = quality[i]!;
    if (Number.isFinite(q)) top = Math.max(top, q - (lambda * costs[i]!) / scale);
  }
  let best = -1;
  for (let i = 0; i < quality.length; i++) {
    const q = quality[i]!;
    if (!Number.isFinite(q) || q - (lambda * costs[i]!) / scale < top - 1e-9) continue;
    if (best < 0 || costs[i]! < costs[best]!) best = i;
  }
  return best;
}

/**
 * The `lambda` that keeps quality within `maxQualityLoss` of the best single model, read off the
 * out-of-fold table training wrote (the largest tabulated loss not above the request's).
 *
 * @example lambdaForLoss(meta.policy, 0.01) // e.g. 0.09
 */
export function lambdaForLoss(policy: RouterMeta["policy"], maxQualityLoss: number): number {
  let lambda = policy.loss_table[0]?.lambda ?? policy.lambda;
  for (const row of policy.loss_table)
    if (row.max_quality_loss <= maxQualityLoss + 1e-12) lambda = row.lambda;
  return lambda;
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
