import { writeFileSync } from "node:fs";
import { calibrate, chooseModelIndex } from "../../edge/src/routing/classifier/decide.js";
import {
  estimateTokens,
  extractFeatures,
  FEATURE_DIM,
  FEATURE_SPEC_VERSION,
} from "../../edge/src/routing/features/index.js";
import { loadPrices, loadRows, type Prices, routingText, rowCosts, selectSplit } from "./data.js";
import {
  aiq,
  type CurvePoint,
  meanOf,
  optimalRate,
  oracleChoice,
  type QC,
  randomBaseline,
  round,
  roundCost,
} from "./metrics.js";
import { loadNodeRouterSession, readRouterMeta } from "./ort-node.js";
import { ruleChoice } from "./rule.js";
import { renderCurveSvg } from "./svg.js";

export interface EvaluateOptions {
  router: string;
  data: string;
  /** "test" (clean test rows), "train", "all"; default: "test" when the data has test rows, else all. */
  split?: string;
  prices?: string;
  curveSvg?: string;
}

const CURVE_THRESHOLDS = Array.from({ length: 101 }, (_, k) => k / 100);
const BATCH = 256;

/**
 * `router evaluate`: runs the exported ONNX model with onnxruntime-web (as the worker does) on the
 * chosen rows and compares it with the baselines. Returns the report printed as JSON.
 */
export async function evaluate(opts: EvaluateOptions) {
  const meta = readRouterMeta(opts.router);
  if (meta.features.spec_version !== FEATURE_SPEC_VERSION || meta.features.dim !== FEATURE_DIM) {
    throw new Error(
      `router was trained on features ${meta.features.spec_version}/${meta.features.dim}, this code computes ${FEATURE_SPEC_VERSION}/${FEATURE_DIM}: retrain`,
    );
  }
  const all = loadRows(opts.data);
  const split = opts.split ?? (all.some((r) => r.split === "test") ? "test" : "all");
  const rows = selectSplit(all, split);
  if (rows.length === 0) throw new Error(`no rows in split "${split}"`);
  const models = meta.models;
  const missing = models.filter((m) => !rows.every((r) => typeof r.scores[m] === "number"));
  if (missing.length) throw new Error(`the data does not score the router's models: ${missing.join(", ")}`);
  const prices: Prices = (opts.prices ? loadPrices(opts.data, opts.prices) : null) ?? meta.prices;

  const texts = rows.map(routingText);
  const scores = rows.map((r) => models.map((m) => r.scores[m]!));
  const costs = rows.map((r, i) => rowCosts(r, models, prices, texts[i]!));
  const features = texts.map((t) => extractFeatures(t));

  const session = await loadNodeRouterSession(opts.router, meta);
  const probs: number[][] = [];
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = features.slice(start, start + BATCH);
    const flat = new Float32Array(batch.length * FEATURE_DIM);
    batch.forEach((f, i) => {
      flat.set(f, i * FEATURE_DIM);
    });
    const out = await session.run(flat, batch.length);
    for (let i = 0; i < batch.length; i++) {
      probs.push(calibrate(out.subarray(i * models.length, (i + 1) * models.length), meta.calibration));
    }
  }

  const pick = (threshold: number) => probs.map((p, i) => chooseModelIndex(p, costs[i]!, threshold));
  const threshold = meta.policy.threshold;
  const routed = pick(threshold);
  const router = meanOf(scores, costs, routed);

  const singles: Record<string, QC> = {};
  models.forEach((m, j) => {
    singles[m] = meanOf(
      scores,
      costs,
      rows.map(() => j),
    );
  });
  const bestSingle = models.reduce((a, b) => (singles[b]!.quality > singles[a]!.quality ? b : a));
  const cheapest = models.reduce((a, b) => (singles[b]!.cost < singles[a]!.cost ? b : a));
  const oracle = oracleChoice(scores, costs);
  const meanCost = models.map((m) => singles[m]!.cost);
  const rule = features.map((f) => ruleChoice(f, models, meanCost));

  const curve: CurvePoint[] = CURVE_THRESHOLDS.map((t) => ({
    threshold: t,
    ...meanOf(scores, costs, pick(t)),
  }));
  const costLo = Math.min(...meanCost);
  const costHi = Math.max(...meanCost);

  // Warm per-request latency of the worker's path: features + one-row inference + decision.
  const latencyRows = Math.min(rows.length, 200);
  const t0 = performance.now();
  for (let i = 0; i < latencyRows; i++) {
    const x = extractFeatures(texts[i]!);
    const out = await session.run(x, 1);
    chooseModelIndex(calibrate(out, meta.calibration), costs[i]!, threshold);
  }
  const decisionMs = (performance.now() - t0) / latencyRows;

  const share: Record<string, number> = {};
  for (const m of models) share[m] = 0;
  for (const j of routed) share[models[j]!]! += 1 / rows.length;

  const qc = (x: QC) => ({ quality: round(x.quality), cost: roundCost(x.cost) });
  const report = {
    n: rows.length,
    split,
    data_tokens_mean: round(texts.reduce((a, t) => a + estimateTokens(t), 0) / texts.length, 1),
    models,
    router: {
      ...qc(router),
      optimal_rate: round(optimalRate(scores, routed)),
      kind: meta.kind,
      threshold,
      model_share: Object.fromEntries(Object.entries(share).map(([m, s]) => [m, round(s, 3)])),
      cost_vs_best_single: round(router.cost / singles[bestSingle]!.cost, 3),
      quality_minus_best_single: round(router.quality - singles[bestSingle]!.quality),
      warm_decision_ms_node: round(decisionMs, 4),
    },
    baselines: {
      random: { ...qc(randomBaseline(scores, costs)) },
      best_single: {
        model: bestSingle,
        ...qc(singles[bestSingle]!),
        optimal_rate: round(
          optimalRate(
            scores,
            rows.map(() => models.indexOf(bestSingle)),
          ),
        ),
      },
      cheapest: { model: cheapest, ...qc(singles[cheapest]!) },
      oracle: { ...qc(meanOf(scores, costs, oracle)), optimal_rate: 1 },
      rule: { ...qc(meanOf(scores, costs, rule)), optimal_rate: round(optimalRate(scores, rule)) },
      single: Object.fromEntries(models.map((m) => [m, qc(singles[m]!)])),
    },
    curve: {
      knob: "threshold",
      aiq: round(aiq(curve, costLo, costHi)),
      aiq_single_models: round(aiq(Object.values(singles), costLo, costHi)),
      cost_range: [roundCost(costLo), roundCost(costHi)],
      points: curve.filter((_, k) => k % 5 === 0).map((p) => ({ threshold: p.threshold, ...qc(p) })),
    },
  };
  if (opts.curveSvg) {
    writeFileSync(
      opts.curveSvg,
      renderCurveSvg({
        curve,
        singles,
        operating: { threshold, ...router },
        random: report.baselines.random,
        oracle: report.baselines.oracle,
        rule: report.baselines.rule,
        title: `Router on ${rows.length} ${split} prompts`,
      }),
    );
  }
  return report;
}
