import { DENSE_FEATURE_NAMES } from "../../edge/src/routing/features/index.js";

const at = (name: (typeof DENSE_FEATURE_NAMES)[number]) => DENSE_FEATURE_NAMES.indexOf(name);
const I = {
  tokens: at("tokens_est"),
  fence: at("code_fence"),
  codeKw: at("code_keywords"),
  codeSym: at("code_symbols"),
  arith: at("arith_expr"),
  latex: at("latex_markers"),
  mathWords: at("math_words"),
};

/**
 * The non-learned baseline: a length/keyword rule of the kind routers start with.
 * Code (a fence, or several code keywords/symbols) -> the code model (else the largest);
 * math markers or a long prompt (> 400 tokens) -> the largest model; everything else -> the cheapest.
 */
export function ruleChoice(features: Float32Array, models: string[], meanCost: number[]): number {
  const cheapest = meanCost.indexOf(Math.min(...meanCost));
  const largest = meanCost.indexOf(Math.max(...meanCost));
  const codeModel = models.findIndex((m) => m.includes("code"));
  const isCode = features[I.fence]! > 0 || features[I.codeKw]! >= 3 || features[I.codeSym]! >= 4;
  if (isCode) return codeModel >= 0 ? codeModel : largest;
  const isMath = features[I.arith]! + features[I.latex]! + features[I.mathWords]! >= 2;
  if (isMath || features[I.tokens]! > 400) return largest;
  return cheapest;
}
