import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { catalogueModels } from "../../edge/src/config/catalogue.js";
import { estimateTokens } from "../../edge/src/routing/features/index.js";

/** One routing example, in the format of ../shared/data/routing/llmrouter-9models.jsonl. */
export interface RoutingRow {
  id?: string;
  prompt: string;
  scores: Record<string, number>;
  cost?: Record<string, number>;
  split?: string;
  task?: string;
  metric?: string;
  choices?: unknown;
  ground_truth?: unknown;
  prompt_also_in_train?: boolean;
  /** Set by `withSplits` when the file had no splits and `split` was assigned by prompt hash. */
  auto_split?: boolean;
}

/** USD per million tokens, the shape of llmrouter-9models-prices.json (extra fields ignored). */
export type Prices = Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;

/** The production roster in tier order (small to large), from the model catalogue (backends/models.json). */
export const PRODUCTION_ROSTER: readonly string[] = catalogueModels()
  .filter((m) => m.kind === "production")
  .map((m) => m.id);

/**
 * Output tokens assumed per answer when a row has no per-prompt cost: the public data has no
 * completion lengths, and a constant keeps cost a pure function of the prompt (the worker can
 * compute it before the answer exists). 256 is a typical short-answer completion.
 */
export const ASSUMED_OUTPUT_TOKENS = 256;

export function readJsonl<T>(file: string): T[] {
  const out: T[] = [];
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
  }
  return out;
}

export function loadRows(file: string): RoutingRow[] {
  const rows = readJsonl<RoutingRow>(file);
  rows.forEach((r, i) => {
    if (typeof r.prompt !== "string" || !r.scores || typeof r.scores !== "object") {
      throw new Error(`${file}: row ${i + 1} needs "prompt" (string) and "scores" ({model: score})`);
    }
  });
  if (rows.length === 0) throw new Error(`${file}: no rows`);
  for (const r of rows)
    for (const [m, v] of Object.entries(r.scores)) if (typeof v === "boolean") r.scores[m] = v ? 1 : 0;
  return withSplits(rows);
}

/** Share of rows `train` holds out as the test split when the data says nothing about splits. */
export const AUTO_TEST_SHARE = 0.2;

/**
 * Rows with their split. A file without any `split` field gets a deterministic one, so that
 * `evaluate` never scores the rows `train` fitted: a row is `test` when the SHA-256 of its prompt
 * falls in the first AUTO_TEST_SHARE of the hash range (duplicate prompts land together; the same
 * file always splits the same way, in train and in evaluate). Files that name splits keep them.
 *
 * @example withSplits(readJsonl(file)).filter((r) => r.split === "test")
 */
export function withSplits(rows: RoutingRow[]): RoutingRow[] {
  if (rows.some((r) => typeof r.split === "string")) return rows;
  return rows.map((r) => ({ ...r, split: autoSplitOf(r.prompt), auto_split: true }));
}

function autoSplitOf(prompt: string): "train" | "test" {
  const h = Number.parseInt(createHash("sha256").update(prompt).digest("hex").slice(0, 8), 16);
  return h / 0x100000000 < AUTO_TEST_SHARE ? "test" : "train";
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * Models scored on at least half of the rows, in first-seen order. Rows that lack a model's score
 * are masked for that model (training skips them; evaluation keeps only rows that score every
 * routed model).
 */
export function modelsInData(rows: RoutingRow[]): string[] {
  const seen = new Map<string, number>();
  for (const r of rows)
    for (const [m, v] of Object.entries(r.scores))
      if (typeof v === "number" && Number.isFinite(v)) seen.set(m, (seen.get(m) ?? 0) + 1);
  return [...seen].filter(([, n]) => n >= rows.length / 2).map(([m]) => m);
}

/**
 * The models to route between: the requested roster when the data scores all of it, otherwise
 * (another deployment's data, an offline study) every model the data scores.
 */
export function resolveRoster(
  rows: RoutingRow[],
  roster: readonly string[],
): { models: string[]; matched: boolean } {
  const available = modelsInData(rows);
  const models = roster.filter((m) => available.includes(m));
  if (models.length === roster.length && models.length > 0) return { models: [...roster], matched: true };
  return { models: available, matched: false };
}

/** How a file's raw scores map to expected quality in [0, 1]. */
export type ScoreScale = "unit" | "judge-1-10" | "judge-0-10" | "percent";

/**
 * Scores in [0, 1] (success, partial credit, preference probability) are used as they are; a file
 * whose scores reach above 1 and at most 10 holds judge ratings: 1-10 ((s - 1) / 9) when none is
 * below 1, else 0-10 (s / 10); up to 100, percentages. One scale per file, so scores stay
 * comparable across rows and models. Anything above 100 or below 0 is refused.
 */
export function scoreScale(rows: RoutingRow[]): ScoreScale {
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  for (const r of rows)
    for (const v of Object.values(r.scores))
      if (typeof v === "number" && Number.isFinite(v)) {
        if (v > max) max = v;
        if (v < min) min = v;
      }
  if (min < 0) throw new Error(`scores must be >= 0 (found ${min})`);
  if (max <= 1) return "unit";
  if (max <= 10) return min >= 1 ? "judge-1-10" : "judge-0-10";
  if (max <= 100) return "percent";
  throw new Error(
    `scores must be in [0, 1], 0-10 or 1-10 judge ratings, or percentages (found ${max}): rescale them`,
  );
}

export function normaliseScore(v: number, scale: ScoreScale): number {
  const q =
    scale === "unit" ? v : scale === "judge-1-10" ? (v - 1) / 9 : scale === "judge-0-10" ? v / 10 : v / 100;
  return Math.min(1, Math.max(0, q));
}

/** Per row, the normalised score of each model, or null where the row does not score it. */
export function scoreMatrix(
  rows: RoutingRow[],
  models: readonly string[],
  scale: ScoreScale,
): (number | null)[][] {
  return rows.map((r) =>
    models.map((m) => {
      const v = r.scores[m];
      return typeof v === "number" && Number.isFinite(v) ? normaliseScore(v, scale) : null;
    }),
  );
}

/** Prices from --prices, else the `<data>-prices.json` beside the data file, else null. */
export function loadPrices(dataFile: string, pricesFile?: string): Prices | null {
  const candidates = pricesFile
    ? [pricesFile]
    : [join(dirname(dataFile), `${basename(dataFile, ".jsonl")}-prices.json`)];
  for (const f of candidates) {
    try {
      return JSON.parse(readFileSync(f, "utf8")) as Prices;
    } catch (err) {
      if (pricesFile) throw new Error(`cannot read prices ${f}: ${(err as Error).message}`);
    }
  }
  return null;
}

/** Cost in USD of sending `promptTokens` to each model, per the price list. */
export function costFromPrices(models: readonly string[], prices: Prices, promptTokens: number): number[] {
  return models.map((m) => {
    const p = prices[m];
    if (!p) throw new Error(`no price for model ${m}`);
    return (promptTokens * p.input_usd_per_mtok + ASSUMED_OUTPUT_TOKENS * p.output_usd_per_mtok) / 1e6;
  });
}

/** Per-row cost vector: the row's own `cost` when complete, else prices x estimated tokens. */
export function rowCosts(
  row: RoutingRow,
  models: readonly string[],
  prices: Prices | null,
  text: string,
): number[] {
  const own = row.cost;
  if (own && models.every((m) => typeof own[m] === "number")) return models.map((m) => own[m]!);
  if (!prices) {
    throw new Error("a row has no per-prompt cost and no prices file was found: pass --prices FILE.json");
  }
  const priced = costFromPrices(models, prices, estimateTokens(text));
  // A row that prices only some models keeps its own figures for those.
  return models.map((m, j) => (typeof own?.[m] === "number" ? own[m]! : priced[j]!));
}

/**
 * The text the router sees for a row: the prompt, plus the answer options when the row carries
 * them separately (the public data keeps multiple-choice options in `choices`, but a real request
 * contains them, so the features must see them too).
 */
export function routingText(row: RoutingRow): string {
  const options = parseChoices(row.choices);
  if (options.length === 0) return row.prompt;
  const mcq = row.metric === "em_mc" || (row.task ?? "").endsWith("_mcq");
  const rendered = mcq
    ? options.map((o, i) => `${String.fromCharCode(65 + i)}. ${o}`).join("\n")
    : options.join("\n");
  return `${row.prompt.trimEnd()}\n${rendered}`;
}

const QUOTED = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

/** Options from a JSON array, or from the Python-literal list/dict strings in the public data. */
export function parseChoices(choices: unknown): string[] {
  if (Array.isArray(choices)) return choices.map(String);
  if (choices && typeof choices === "object") {
    const text = (choices as { text?: unknown }).text;
    return Array.isArray(text) ? text.map(String) : [];
  }
  if (typeof choices !== "string" || !choices.trim()) return [];
  let s = choices.trim();
  const textKey = s.search(/['"]text['"]\s*:\s*\[/);
  if (s.startsWith("{")) {
    if (textKey < 0) return [];
    s = s.slice(s.indexOf("[", textKey));
    s = s.slice(0, s.indexOf("]") + 1);
  }
  if (!s.startsWith("[")) return [s];
  const out: string[] = [];
  for (const m of s.matchAll(QUOTED)) out.push((m[1] ?? m[2] ?? "").replace(/\\(['"\\])/g, "$1"));
  return out;
}

/**
 * The rows an evaluation reports on: with --split test, the clean test rows: neither flagged
 * `prompt_also_in_train` nor carrying a prompt that also occurs in the rows training uses (files
 * that do not flag their overlap get the same treatment as the public one).
 */
export function selectSplit(rows: RoutingRow[], split: string | undefined): RoutingRow[] {
  if (!split || split === "all") return rows;
  if (split !== "test") return rows.filter((r) => r.split === split);
  const trained = new Set(trainingRows(rows).map((r) => r.prompt));
  return rows.filter((r) => r.split === "test" && r.prompt_also_in_train !== true && !trained.has(r.prompt));
}

/** The rows training may use: everything not in the test split. */
export function trainingRows(rows: RoutingRow[]): RoutingRow[] {
  const hasSplit = rows.some((r) => typeof r.split === "string");
  return hasSplit ? rows.filter((r) => r.split !== "test") : rows;
}
