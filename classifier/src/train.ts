import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  estimateTokens,
  extractFeatures,
  FEATURE_DIM,
  FEATURE_SPEC_VERSION,
  fnv1a,
} from "../../edge/src/routing/features/index.js";
import { augmentPrompt } from "./augment.js";
import {
  ASSUMED_OUTPUT_TOKENS,
  loadPrices,
  loadRows,
  type Prices,
  type RoutingRow,
  resolveRoster,
  routingText,
  rowCosts,
  scoreMatrix,
  scoreScale,
  sha256File,
  trainingRows,
} from "./data.js";
import { PARITY_PROMPTS } from "./parity-prompts.js";
import { assertPythonDeps, routerPython } from "./python-env.js";

export interface TrainOptions {
  data: string;
  out: string;
  prices?: string;
  roster: readonly string[];
  /** "all": fit every row, ignoring `split` (the file holds training data only); default: all but `test`. */
  split?: string;
  /** Quick mode for tests: fewer CV folds and trees. */
  quick?: boolean;
  python?: string;
}

const PYTHON_TRAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "python", "train.py");

/** Writes a features matrix (float32, row-major) computed by the worker's own extractor. */
function writeMatrix(file: string, texts: string[]): void {
  const buf = new Float32Array(texts.length * FEATURE_DIM);
  const row = new Float32Array(FEATURE_DIM);
  texts.forEach((t, i) => {
    extractFeatures(t, row);
    buf.set(row, i * FEATURE_DIM);
  });
  writeFileSync(file, Buffer.from(buf.buffer));
}

/**
 * `router train`: features in TypeScript, fitting/selection/export in Python (lightgbm, onnxmltools).
 * Writes DIR/router.onnx, DIR/router.meta.json, DIR/parity.json.
 */
export function train(opts: TrainOptions): void {
  // Before reading any data: a missing Python module is the first thing a new machine hits.
  const python = opts.python ?? routerPython();
  assertPythonDeps(python);
  const all = loadRows(opts.data);
  // --split all: the file is training data only (its test rows live elsewhere): fit every row.
  const rows = opts.split === "all" ? all : trainingRows(all);
  const { models, matched } = resolveRoster(rows, opts.roster);
  if (models.length < 2) throw new Error("need at least two models scored on at least half of the rows");
  const scale = scoreScale(rows);
  const scores = scoreMatrix(rows, models, scale);
  const prices = loadPrices(opts.data, opts.prices);
  const texts = rows.map(routingText);
  const effectivePrices = prices ? pick(prices, models) : pricesFromRowCosts(models, rows, texts);
  const costs = rows.map((r, i) => rowCosts(r, models, effectivePrices, texts[i]!));
  assertEnoughCompleteRows(scores, models);

  const work = mkdtempSync(join(tmpdir(), "router-train-"));
  try {
    writeMatrix(join(work, "X.f32"), texts);
    writeMatrix(
      join(work, "X_aug.f32"),
      texts.map((t, i) => augmentPrompt(t, i)),
    );
    writeMatrix(join(work, "parity.f32"), PARITY_PROMPTS);
    const dataset = {
      models,
      roster_matched: matched,
      dim: FEATURE_DIM,
      spec_version: FEATURE_SPEC_VERSION,
      data_sha256: sha256File(opts.data),
      data_file: opts.data,
      prices: effectivePrices,
      assumed_output_tokens: ASSUMED_OUTPUT_TOKENS,
      score_scale: scale,
      // "file": the data's own `split` field; "auto": none given, 20% held out by prompt hash
      // "all": --split all, every row fitted
      split_source: opts.split === "all" ? "all" : all.some((r) => r.auto_split) ? "auto" : "file",
      rows: rows.map((r, i) => ({
        scores: scores[i],
        costs: costs[i],
        task: r.task ?? "unknown",
        // Duplicate prompts share a group so CV never sees the same prompt on both sides.
        group: fnv1a(r.prompt),
      })),
      parity: PARITY_PROMPTS.map((p) => ({ prompt: p, tokens: estimateTokens(p) })),
    };
    writeFileSync(join(work, "dataset.json"), JSON.stringify(dataset));
    mkdirSync(opts.out, { recursive: true });
    const args = [
      PYTHON_TRAIN,
      "--work",
      work,
      "--out",
      resolve(opts.out),
      ...(opts.quick ? ["--quick"] : []),
    ];
    const res = spawnSync(python, args, { stdio: ["ignore", "inherit", "inherit"] });
    if (res.error) throw new Error(`cannot run ${python}: ${res.error.message}`);
    if (res.status !== 0) throw new Error(`python training failed (exit ${res.status})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Regressors train on whatever rows score their model, but the curve, the knob table and the
 * default need rows that score every routed model (the quality of any pick must be known). Too few
 * of them gives NaN policies, so refuse and say which models are sparse.
 */
export const MIN_COMPLETE_ROWS = 30;

function assertEnoughCompleteRows(scores: (number | null)[][], models: string[]): void {
  const complete = scores.filter((r) => r.every((v) => v !== null)).length;
  if (complete >= MIN_COMPLETE_ROWS) return;
  const coverage = models
    .map((m, j) => `${m} ${Math.round((100 * scores.filter((r) => r[j] !== null).length) / scores.length)}%`)
    .join(", ");
  throw new Error(
    `only ${complete} of ${scores.length} training rows score every routed model (need ${MIN_COMPLETE_ROWS}: the ` +
      `quality-cost curve and the knob are measured on them). Rows scored per model: ${coverage}. ` +
      "Route between fewer models (--roster a,b,c) or score the missing ones.",
  );
}

function pick(prices: Prices, models: string[]): Prices {
  const out: Prices = {};
  for (const m of models) {
    const p = prices[m];
    if (!p) throw new Error(`prices file has no entry for ${m}`);
    out[m] = { input_usd_per_mtok: p.input_usd_per_mtok, output_usd_per_mtok: p.output_usd_per_mtok };
  }
  return out;
}

/**
 * Data with per-prompt costs and no price list: one flat per-token price per model such that the
 * mean request (mean prompt tokens + assumed output) costs what it cost on average in the rows that
 * price that model. The worker, which cannot know a request's cost in advance, estimates with these.
 */
function pricesFromRowCosts(models: string[], rows: RoutingRow[], texts: string[]): Prices {
  const out: Prices = {};
  for (const m of models) {
    let sum = 0;
    let tokens = 0;
    let n = 0;
    rows.forEach((r, i) => {
      const c = r.cost?.[m];
      if (typeof c !== "number" || !Number.isFinite(c)) return;
      sum += c;
      tokens += estimateTokens(texts[i]!) + ASSUMED_OUTPUT_TOKENS;
      n++;
    });
    if (n === 0)
      throw new Error(`no per-prompt cost for ${m} and no prices file was found: pass --prices FILE.json`);
    const perM = (sum / tokens) * 1e6;
    out[m] = { input_usd_per_mtok: perM, output_usd_per_mtok: perM };
  }
  return out;
}
