import { writeFileSync } from "node:fs";
import { chooseModelIndex, lambdaForLoss, requestCosts } from "../../edge/src/routing/classifier/decide.js";
import type { RouterMeta } from "../../edge/src/routing/classifier/meta.js";
import type { RouterSession } from "../../edge/src/routing/classifier/session.js";
import {
  estimateTokens,
  extractFeatures,
  FEATURE_DIM,
  FEATURE_SPEC_VERSION,
} from "../../edge/src/routing/features/index.js";
import {
  loadPrices,
  loadRows,
  type Prices,
  type RoutingRow,
  routingText,
  rowCosts,
  type ScoreScale,
  scoreMatrix,
  scoreScale,
  selectSplit,
  sha256File,
  trainingRows,
} from "./data.js";
import {
  aiq,
  atCost,
  type CurvePoint,
  frontier,
  optimalRate,
  oracleChoice,
  pairedDiff,
  type QC,
  type RowPoint,
  randomBaseline,
  round,
  roundCost,
  rowPoint,
  standardError,
} from "./metrics.js";
import { loadNodeRouterSession, readRouterMeta } from "./ort-node.js";
import { PERTURBATIONS } from "./perturb.js";
import { ruleChoice } from "./rule.js";
import { renderCurveSvg } from "./svg.js";

export interface EvaluateOptions {
  router: string;
  data: string;
  /** "test" (clean test rows), "train", "all"; default: "test" when the data has test rows, else all. */
  split?: string;
  prices?: string;
  curveSvg?: string;
  /** Writes one JSON line per evaluated prompt: id, chosen model, predicted quality per model. */
  decisions?: string;
  /** The knob to report as the router's operating point; default: the model's own default. */
  maxQualityLoss?: number;
}

const BATCH = 256;
/** Knob settings reported along the curve (quality loss vs the best single model). */
const KNOB_LOSSES = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1];
/** Per-task lookup tolerances swept for the baseline. */
const LOOKUP_TOLERANCES = Array.from({ length: 21 }, (_, k) => k / 100);

/**
 * `router evaluate`: runs the exported ONNX model with onnxruntime-web (as the worker does) on the
 * chosen rows, along the whole knob, against the baselines (best single, cheapest, random, oracle,
 * a length/keyword rule, the mixing hull of single models, the per-task lookup table when rows
 * have a task), with paired standard errors, AIQ and perturbation robustness. Returns the report
 * printed as JSON.
 */
export async function evaluate(opts: EvaluateOptions) {
  const meta = readRouterMeta(opts.router);
  if (meta.format !== "switchyard-router/2") {
    throw new Error(
      `router ${opts.router} has format ${meta.format}; this evaluator reads switchyard-router/2: retrain`,
    );
  }
  if (meta.features.spec_version !== FEATURE_SPEC_VERSION || meta.features.dim !== FEATURE_DIM) {
    throw new Error(
      `router was trained on features ${meta.features.spec_version}/${meta.features.dim}, this code computes ${FEATURE_SPEC_VERSION}/${FEATURE_DIM}: retrain`,
    );
  }
  const all = loadRows(opts.data);
  // The file train read (same bytes) holds rows it fitted: default to its held-out test rows.
  // Another file is unseen as a whole, unless it names its own test rows.
  const sameFile = meta.training?.data_sha256 === sha256File(opts.data);
  const ownTests = all.some((r) => r.split === "test" && !r.auto_split);
  const split = opts.split ?? (sameFile ? "test" : ownTests ? "test" : "all");
  const models = meta.models;
  const scores01 = (rs: RoutingRow[]) => scoreMatrix(rs, models, scale);
  // The scale training read the labels on (a test split alone may not reveal it, e.g. no 10s in it).
  const trainedScale = meta.training?.score_scale;
  const scale = isScoreScale(trainedScale) ? trainedScale : scoreScale(all);
  if (sameFile && (split === "all" || split === "train" || meta.training?.split_source === "all"))
    process.stderr.write(
      `router evaluate: split "${split}" includes rows train fitted on: in-sample figures, not a held-out result\n`,
    );
  const selected = selectSplit(all, split);
  // Quality of a pick needs every routed model's score on the row.
  const rows = selected.filter((_, i) => scores01([selected[i]!])[0]!.every((v) => v !== null));
  if (rows.length === 0)
    throw new Error(`no rows in split "${split}" score every router model (${models.join(", ")})`);
  const prices: Prices = (opts.prices ? loadPrices(opts.data, opts.prices) : null) ?? meta.prices;

  const texts = rows.map(routingText);
  const scores = scores01(rows) as number[][];
  const costs = rows.map((r, i) => rowCosts(r, models, prices, texts[i]!));
  const session = await loadNodeRouterSession(opts.router, meta);
  const predicted = await predictQuality(session, meta, texts);
  const estimated = texts.map((t) => requestCosts(meta, estimateTokens(t)));
  const costScale = meta.policy.cost_scale;
  const pick = (q: number[][], est: number[][], lambda: number) =>
    q.map((row, i) => chooseModelIndex(row, est[i]!, lambda, costScale));

  const loss = opts.maxQualityLoss ?? meta.policy.default_max_quality_loss;
  const lambda = opts.maxQualityLoss === undefined ? meta.policy.lambda : lambdaForLoss(meta.policy, loss);
  const routed = pick(predicted, estimated, lambda);
  const router = rowPoint(scores, costs, routed);

  const singleIdx = models.map((_, j) => rows.map(() => j));
  const singles = singleIdx.map((c) => rowPoint(scores, costs, c));
  const singleOf = Object.fromEntries(models.map((m, j) => [m, singles[j]!]));
  const bestJ = argmax(singles.map((s) => s.quality));
  const cheapJ = argmin(singles.map((s) => s.cost));
  const best = singles[bestJ]!;
  const oracle = rowPoint(scores, costs, oracleChoice(scores, costs));
  const randomQC = randomBaseline(scores, costs);
  const random: RowPoint = { ...randomQC, rows: scores.map((r) => r.reduce((a, b) => a + b, 0) / r.length) };
  const meanCost = singles.map((s) => s.cost);
  const ruleIdx = texts.map((t) => ruleChoice(extractFeatures(t), models, meanCost));
  const rule = rowPoint(scores, costs, ruleIdx);

  // The router along its knob: every lambda the training curve visited, plus the extremes.
  const lambdas = [...new Set([0, ...meta.policy.loss_table.map((r) => r.lambda), ...lambdaGrid()])].sort(
    (a, b) => a - b,
  );
  const curvePoints: (RowPoint & { lambda: number })[] = lambdas.map((l) => ({
    lambda: l,
    ...rowPoint(scores, costs, pick(predicted, estimated, l)),
  }));
  const costLo = Math.min(...meanCost);
  const costHi = Math.max(...meanCost);

  const lookup = taskLookup(all, split, rows, models, prices, scale);
  const lookupPoints = lookup
    ? LOOKUP_TOLERANCES.map((tol) => ({ tolerance: tol, ...rowPoint(scores, costs, lookup(tol)) }))
    : null;

  const qc = (x: QC) => ({ quality: round(x.quality), cost: roundCost(x.cost) });
  const equalCost = (b: RowPoint) => {
    const at = atCost(curvePoints, b.cost);
    if (!at) return { ...qc(b), router_quality: null, diff: null, se: null, router_dominates: false };
    const { diff, se } = pairedDiff(at.rows, b.rows);
    return {
      ...qc(b),
      router_quality: round(at.quality),
      diff: round(diff),
      se: round(se),
      // a single router operating point at least as good and no more expensive
      router_dominates: curvePoints.some((p) => p.quality >= b.quality - 1e-12 && p.cost <= b.cost + 1e-15),
    };
  };
  const hullAtRouter = atCost(singles, router.cost);
  const vsBest = pairedDiff(router.rows, best.rows);

  const knob = KNOB_LOSSES.map((l) => {
    const lam = lambdaForLoss(meta.policy, l);
    const p = rowPoint(scores, costs, pick(predicted, estimated, lam));
    const d = pairedDiff(p.rows, best.rows);
    return {
      max_quality_loss: l,
      lambda: lam,
      ...qc(p),
      cost_vs_best_single: round(p.cost / best.cost, 3),
      loss_vs_best_single: round(-d.diff),
      se: round(d.se),
      // the promise: quality at most `l` below the best single model, within one standard error
      holds: -d.diff <= l + d.se,
    };
  });

  const robustness = Object.fromEntries(
    await Promise.all(
      Object.entries(PERTURBATIONS).map(async ([name, perturb]) => {
        const changedTexts = texts.map((t, i) => perturb(t, i));
        const q = await predictQuality(session, meta, changedTexts);
        const est = changedTexts.map((t) => requestCosts(meta, estimateTokens(t)));
        const choice = pick(q, est, lambda);
        const p = rowPoint(scores, costs, choice);
        const changed = choice.filter((c, i) => c !== routed[i]).length / rows.length;
        const d = pairedDiff(p.rows, router.rows);
        return [
          name,
          {
            decisions_changed: round(changed),
            quality: round(p.quality),
            quality_change: round(d.diff),
            se: round(d.se),
            cost_change: roundCost(p.cost - router.cost),
          },
        ] as const;
      }),
    ),
  );

  // Warm per-decision latency of the worker's path: features + one-row inference + rule.
  const latency = await decisionLatency(session, meta, texts, lambda);

  const share: Record<string, number> = {};
  for (const m of models) share[m] = 0;
  for (const j of routed) share[models[j]!]! += 1 / rows.length;

  const report = {
    n: rows.length,
    split,
    split_source: all.some((r) => r.auto_split) ? "auto" : "file",
    score_scale: scale,
    data_tokens_mean: round(texts.reduce((a, t) => a + estimateTokens(t), 0) / texts.length, 1),
    models,
    router: {
      ...qc(router),
      se: round(standardError(router.rows)),
      optimal_rate: round(optimalRate(scores, routed)),
      kind: meta.kind,
      max_quality_loss: loss,
      lambda,
      model_share: Object.fromEntries(Object.entries(share).map(([m, s]) => [m, round(s, 3)])),
      cost_vs_best_single: round(router.cost / best.cost, 3),
      quality_minus_best_single: round(vsBest.diff),
      quality_minus_best_single_se: round(vsBest.se),
      quality_minus_mixing_hull: hullAtRouter ? round(pairedDiff(router.rows, hullAtRouter.rows).diff) : null,
      quality_minus_mixing_hull_se: hullAtRouter
        ? round(pairedDiff(router.rows, hullAtRouter.rows).se)
        : null,
      warm_decision_ms_node: latency,
    },
    knob,
    baselines: {
      random: equalCost(random),
      best_single: {
        model: models[bestJ]!,
        ...equalCost(best),
        optimal_rate: round(optimalRate(scores, singleIdx[bestJ]!)),
      },
      cheapest: { model: models[cheapJ]!, ...equalCost(singles[cheapJ]!) },
      oracle: { ...qc(oracle), optimal_rate: 1 },
      rule: { ...equalCost(rule), optimal_rate: round(optimalRate(scores, ruleIdx)) },
      mixing_hull: {
        aiq: round(aiq(singles, costLo, costHi)),
        at_router_cost: hullAtRouter ? qc(hullAtRouter) : null,
      },
      task_lookup: lookupPoints
        ? {
            aiq: round(aiq(lookupPoints, costLo, costHi)),
            points: lookupPoints.map((p) => ({ tolerance: p.tolerance, ...equalCost(p) })),
          }
        : null,
      single: Object.fromEntries(models.map((m) => [m, qc(singleOf[m]!)])),
    },
    aiq: {
      router: round(aiq(curvePoints, costLo, costHi)),
      single_models: round(aiq(singles, costLo, costHi)),
      task_lookup: lookupPoints ? round(aiq(lookupPoints, costLo, costHi)) : null,
      cost_range: [roundCost(costLo), roundCost(costHi)],
    },
    robustness,
    curve: frontier(curvePoints).map((p) => ({ lambda: p.lambda, ...qc(p) })),
  };

  if (opts.decisions) {
    const lines = rows.map((r, i) =>
      JSON.stringify({
        id: r.id ?? String(i),
        model: models[routed[i]!],
        predicted: Object.fromEntries(models.map((m, j) => [m, round(predicted[i]![j]!)])),
      }),
    );
    writeFileSync(opts.decisions, `${lines.join("\n")}\n`);
  }
  if (opts.curveSvg) {
    const curve: CurvePoint[] = curvePoints.map((p) => ({
      lambda: p.lambda,
      quality: p.quality,
      cost: p.cost,
    }));
    writeFileSync(
      opts.curveSvg,
      renderCurveSvg({
        curve,
        singles: Object.fromEntries(models.map((m, j) => [m, singles[j]!])),
        operating: { lambda, quality: router.quality, cost: router.cost },
        operatingLabel: `router (default, loss ${loss})`,
        lookup: lookupPoints ?? undefined,
        random: randomQC,
        oracle,
        rule,
        title: `Router on ${rows.length} ${split} prompts`,
      }),
    );
  }
  return report;
}

/** The router's predicted quality per model for each text, through the ONNX session in batches. */
async function predictQuality(
  session: RouterSession,
  meta: RouterMeta,
  texts: string[],
): Promise<number[][]> {
  const width = meta.models.length;
  const out: number[][] = [];
  for (let start = 0; start < texts.length; start += BATCH) {
    const batch = texts.slice(start, start + BATCH);
    const flat = new Float32Array(batch.length * FEATURE_DIM);
    const row = new Float32Array(FEATURE_DIM);
    batch.forEach((t, i) => {
      flat.set(extractFeatures(t, row), i * FEATURE_DIM);
    });
    const q = await session.run(flat, batch.length);
    for (let i = 0; i < batch.length; i++) out.push(Array.from(q.subarray(i * width, (i + 1) * width)));
  }
  return out;
}

/** p50 and p99 (ms) of single warm decisions: features + one-row inference + rule, in Node. */
async function decisionLatency(session: RouterSession, meta: RouterMeta, texts: string[], lambda: number) {
  const features = new Float32Array(FEATURE_DIM);
  const n = Math.min(400, texts.length * 4);
  const run = async (t: string) => {
    const q = await session.run(extractFeatures(t, features), 1);
    return chooseModelIndex(q, requestCosts(meta, estimateTokens(t)), lambda, meta.policy.cost_scale);
  };
  for (let i = 0; i < 100; i++) await run(texts[i % texts.length]!);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(texts[i % texts.length]!);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: round(ms[Math.floor(n / 2)]!, 4), p99: round(ms[Math.floor(n * 0.99)]!, 4), n };
}

/**
 * The per-task lookup rule (needs the task label at run time, which the router does not get):
 * for each task, the cheapest model whose mean quality on the training rows of that task is
 * within `tolerance` of the task's best. Null when the rows carry no task or there is no training split.
 */
function taskLookup(
  all: RoutingRow[],
  split: string,
  rows: RoutingRow[],
  models: string[],
  prices: Prices,
  scale: ReturnType<typeof scoreScale>,
): ((tolerance: number) => number[]) | null {
  if (split !== "test" || !rows.every((r) => typeof r.task === "string")) return null;
  const train = trainingRows(all).filter((r) => typeof r.task === "string");
  const s = scoreMatrix(train, models, scale);
  const keep = s.map((r) => r.every((v) => v !== null));
  const trainRows = train.filter((_, i) => keep[i]);
  if (trainRows.length === 0) return null;
  const trainScores = s.filter((_, i) => keep[i]) as number[][];
  const trainCosts = trainRows.map((r) => rowCosts(r, models, prices, routingText(r)));
  const meanCost = models.map((_, j) => trainCosts.reduce((a, c) => a + c[j]!, 0) / trainCosts.length);
  const byTask = new Map<string, number[][]>();
  trainRows.forEach((r, i) => {
    const list = byTask.get(r.task!) ?? [];
    list.push(trainScores[i]!);
    byTask.set(r.task!, list);
  });
  const mean = (list: number[][]) => models.map((_, j) => list.reduce((a, r) => a + r[j]!, 0) / list.length);
  const global = mean(trainScores);
  const taskMeans = new Map([...byTask].map(([t, list]) => [t, mean(list)]));
  return (tolerance) =>
    rows.map((r) => {
      const q = taskMeans.get(r.task!) ?? global;
      const top = Math.max(...q);
      let pick = -1;
      q.forEach((v, j) => {
        if (v >= top - tolerance - 1e-12 && (pick < 0 || meanCost[j]! < meanCost[pick]!)) pick = j;
      });
      return pick;
    });
}

function isScoreScale(v: unknown): v is ScoreScale {
  return v === "unit" || v === "judge-1-10" || v === "judge-0-10" || v === "percent";
}

function lambdaGrid(): number[] {
  return Array.from({ length: 61 }, (_, k) => 10 ** (-3 + k / 10));
}

function argmax(xs: number[]): number {
  return xs.reduce((b, x, i) => (x > xs[b]! ? i : b), 0);
}

function argmin(xs: number[]): number {
  return xs.reduce((b, x, i) => (x < xs[b]! ? i : b), 0);
}
