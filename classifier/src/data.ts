import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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
}

/** USD per million tokens, the shape of llmrouter-9models-prices.json (extra fields ignored). */
export type Prices = Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;

/** The production roster, in no particular order (the cascade order lives in CASCADE_ORDER). */
export const PRODUCTION_ROSTER = [
  "qwen2.5-7b-instruct",
  "llama-3.1-8b-instruct",
  "gemma-2-9b-it",
  "codegemma-7b",
  "llama-3.1-nemotron-51b-instruct",
] as const;

/** Size/quality tier order, small to large: the fallback cascade follows it. */
export const CASCADE_ORDER = [
  "codegemma-7b",
  "qwen2.5-7b-instruct",
  "llama-3.1-8b-instruct",
  "gemma-2-9b-it",
  "llama-3.1-nemotron-51b-instruct",
] as const;

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
  return rows;
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Models scored on every row of the file, in first-seen order. */
export function modelsInData(rows: RoutingRow[]): string[] {
  const first = Object.keys(rows[0]!.scores);
  return first.filter((m) => rows.every((r) => typeof r.scores[m] === "number"));
}

/**
 * The models to route between: the requested roster when the data scores all of it, otherwise
 * (another deployment's data) every model the data scores.
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
  if (row.cost && models.every((m) => typeof row.cost?.[m] === "number"))
    return models.map((m) => row.cost![m]!);
  if (!prices) {
    throw new Error("a row has no per-prompt cost and no prices file was found: pass --prices FILE.json");
  }
  return costFromPrices(models, prices, estimateTokens(text));
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

/** The rows an evaluation reports on: with --split test, the clean test rows (no train overlap). */
export function selectSplit(rows: RoutingRow[], split: string | undefined): RoutingRow[] {
  if (!split || split === "all") return rows;
  return rows.filter((r) => r.split === split && !(split === "test" && r.prompt_also_in_train === true));
}

/** The rows training may use: everything not in the test split. */
export function trainingRows(rows: RoutingRow[]): RoutingRow[] {
  const hasSplit = rows.some((r) => typeof r.split === "string");
  return hasSplit ? rows.filter((r) => r.split !== "test") : rows;
}
