import { readFileSync, writeFileSync } from "node:fs";
import { fnv1a } from "../../edge/src/routing/features/index.js";
import { checkAnswer, heuristicScore } from "./checkers.js";
import { loadPrices, readJsonl } from "./data.js";
import type { RunRecord } from "./run-record.js";

export interface JudgeOptions {
  /** Base URL of any OpenAI-compatible endpoint. */
  url: string;
  model: string;
  apiKey?: string;
  /** A text file with {prompt} and {answer} placeholders; default DEFAULT_RUBRIC. */
  rubricFile?: string;
}

export interface LabelOptions {
  runs: string;
  out: string;
  prices?: string;
  judge?: JudgeOptions;
  /** Share of prompts put in the "test" split (by prompt hash, stable). Default 0.1. */
  testShare?: number;
}

export const DEFAULT_RUBRIC = `You are grading an AI assistant's answer.
Question:
{prompt}

Answer:
{answer}

Rate the answer's correctness and helpfulness from 0 (wrong, empty or off-topic) to 10 (fully correct and helpful).
Reply with one line: SCORE: <0-10>`;

type Method = "reference" | "judge" | "heuristic";

/**
 * `router label`: scores each collected answer and writes the training format, one line per prompt
 * answered by every model: {id, prompt, task, scores: {model: score}, cost: {model: usd}, split, label_method}.
 * Score source per answer: the task-aware checker when the prompt has a ground truth, else the LLM
 * judge when configured (falling back to the heuristic if the judge fails), else the heuristic.
 * Cost: prices (USD/Mtok) x the measured token counts when a prices file is given, else the
 * measured latency in seconds (self-hosted cost is proportional to busy time).
 */
export async function label(opts: LabelOptions) {
  const runs = readJsonl<RunRecord>(opts.runs);
  const prices = opts.prices ? loadPrices(opts.runs, opts.prices) : null;
  const rubric = opts.judge?.rubricFile ? readFileSync(opts.judge.rubricFile, "utf8") : DEFAULT_RUBRIC;
  const models = [...new Set(runs.map((r) => r.model))];
  const byPrompt = new Map<string, RunRecord[]>();
  for (const r of runs) byPrompt.set(r.prompt_id, [...(byPrompt.get(r.prompt_id) ?? []), r]);

  const rows: unknown[] = [];
  const methods: Record<Method, number> = { reference: 0, judge: 0, heuristic: 0 };
  for (const [id, group] of byPrompt) {
    if (!models.every((m) => group.some((r) => r.model === m))) continue;
    const scores: Record<string, number> = {};
    const cost: Record<string, number> = {};
    const used: Record<string, Method> = {};
    for (const m of models) {
      const run = group.find((r) => r.model === m)!;
      const { score, method } = await scoreRun(run, opts.judge, rubric);
      scores[m] = Math.round(score * 1000) / 1000;
      used[m] = method;
      methods[method]++;
      cost[m] = runCost(run, prices);
    }
    const first = group[0]!;
    const testShare = opts.testShare ?? 0.1;
    rows.push({
      id,
      prompt: first.prompt,
      task: first.task,
      metric: first.metric,
      choices: first.choices,
      ground_truth: first.ground_truth,
      scores,
      cost,
      split: (fnv1a(first.prompt) % 1000) / 1000 < testShare ? "test" : "train",
      label_method: used,
    });
  }
  writeFileSync(opts.out, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
  console.error(
    `label: ${rows.length} prompts x ${models.length} models -> ${opts.out} (${JSON.stringify(methods)})`,
  );
  return { rows: rows.length, models, methods };
}

function runCost(run: RunRecord, prices: ReturnType<typeof loadPrices>): number {
  const p = prices?.[run.model];
  if (p) {
    return (
      ((run.prompt_tokens ?? 0) * p.input_usd_per_mtok +
        (run.completion_tokens ?? 0) * p.output_usd_per_mtok) /
      1e6
    );
  }
  return run.latency_ms / 1000;
}

async function scoreRun(
  run: RunRecord,
  judge: JudgeOptions | undefined,
  rubric: string,
): Promise<{ score: number; method: Method }> {
  if (run.error) return { score: 0, method: "heuristic" };
  if (run.ground_truth !== null && run.ground_truth !== undefined && String(run.ground_truth).trim() !== "") {
    return {
      score: checkAnswer(run.output, run.ground_truth, { choices: run.choices, metric: run.metric }),
      method: "reference",
    };
  }
  if (judge) {
    const s = await askJudge(judge, rubric, run).catch(() => null);
    if (s !== null) return { score: s, method: "judge" };
  }
  return { score: heuristicScore(run), method: "heuristic" };
}

/**
 * The judge's reply format: `{"score": 0..10}` under OpenAI structured outputs, so that even a
 * small judge model (the tests grade with SmolLM2-135M) cannot answer anything but a score.
 */
export const JUDGE_RESPONSE_FORMAT = {
  type: "json_schema",
  json_schema: {
    name: "grade",
    strict: true,
    schema: {
      type: "object",
      properties: { score: { type: "integer", enum: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } },
      required: ["score"],
      additionalProperties: false,
    },
  },
} as const;

/** A score in [0,1] from the judge's reply: `{"score": n}`, else a `SCORE: n` line; null if neither. */
export function parseJudgeReply(content: string): number | null {
  let score: number | undefined;
  try {
    const parsed = JSON.parse(content) as { score?: unknown };
    if (typeof parsed?.score === "number") score = parsed.score;
  } catch {
    const m = /SCORE:\s*(\d+(?:\.\d+)?)/i.exec(content);
    if (m) score = Number(m[1]);
  }
  if (score === undefined || !Number.isFinite(score)) return null;
  return Math.min(10, Math.max(0, score)) / 10;
}

/**
 * Asks the judge model; returns the score in [0,1], or null when the reply has none. Asks for
 * structured output first; an endpoint that refuses response_format (400) is asked again without.
 */
export async function askJudge(
  judge: JudgeOptions,
  rubric: string,
  run: { prompt: string; output: string },
): Promise<number | null> {
  const ask = (structured: boolean) =>
    fetch(`${judge.url.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(judge.apiKey ? { authorization: `Bearer ${judge.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: judge.model,
        temperature: 0,
        max_tokens: 16,
        ...(structured ? { response_format: JUDGE_RESPONSE_FORMAT } : {}),
        messages: [
          { role: "user", content: rubric.replace("{prompt}", run.prompt).replace("{answer}", run.output) },
        ],
      }),
      signal: AbortSignal.timeout(60_000),
    });
  let res = await ask(true);
  if (res.status === 400) {
    await res.body?.cancel();
    res = await ask(false);
  }
  if (!res.ok) return null;
  const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
  return parseJudgeReply(body.choices?.[0]?.message?.content ?? "");
}
