import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BENCH_DIR, RESULTS_DIR } from "../paths.js";
import { nonceFor, type PromptSize, promptFor } from "../prompts.js";
import { type RequestSpec, type Sample, sendChat, type Target } from "../request.js";
import type { BenchResults } from "../results.js";
import { type LoadPlan, runLoad } from "../runner.js";
import type { Stack } from "../stack.js";
import { type Distribution, distribution } from "../stats.js";
import type { Summary } from "../summary.js";

export { f, table } from "./markdown.js";

/** Which question a run answers; the report groups by it. */
export type RunGroup =
  | "backend"
  | "prompt-size"
  | "non-streaming"
  | "open-loop"
  | "gateway"
  | "floor-fixed"
  | "cache-hit"
  | "rate-limit"
  | "router";

/** One load level against one target: what goes into results JSON. */
export interface RunRecord {
  group: RunGroup;
  target: string;
  model: string;
  concurrency: number;
  prompt: PromptSize;
  stream: boolean;
  loop: "closed" | "open";
  ratePerSec?: number;
  maxTokens: number;
  summary: Summary;
  /** Open loop: arrivals dropped at the in-flight cap. */
  dropped?: number;
  servedModels?: Record<string, number>;
  /** Latency of 429 answers (rate-limit scenario). */
  rejectedLatencyMs?: Distribution;
}

export interface BenchPlan {
  quick: boolean;
  concurrencies: number[];
  /** Models measured directly (each backend on its own). */
  directModels: string[];
  /** The model used for the gateway, cache, prompt-size and open-loop comparisons. */
  mainModel: string;
  /** Fixed models the router's `auto` is compared with. */
  routerCompareModels: string[];
  maxTokens: number;
  requestsAt(concurrency: number): number;
  warmupAt(concurrency: number): number;
  /** Gateway comparison repeats, rotating the target order each round to spread drift. */
  rounds: number;
  openLoopDurationMs: number;
  openLoopLoads: number[];
  timeoutMs: number;
}

export type Log = (line: string) => void;

let runCounter = 0;

/** Runs one closed-loop level and records it. Unique prompts unless `fixedPrompt` is given. */
export async function measure(
  target: Target,
  meta: Omit<RunRecord, "summary" | "target" | "loop" | "maxTokens"> & { maxTokens: number },
  plan: LoadPlan,
  extra: { headers?: Record<string, string>; fixedPrompt?: string; timeoutMs: number },
): Promise<{ record: RunRecord; samples: Sample[] }> {
  const runId = `${Date.now().toString(36)}${(runCounter++).toString(36)}`;
  const send = (index: number, zero: number) => {
    const spec: RequestSpec = {
      model: meta.model,
      prompt: extra.fixedPrompt ?? promptFor(meta.prompt, nonceFor(runId, index)),
      maxTokens: meta.maxTokens,
      stream: meta.stream,
      timeoutMs: extra.timeoutMs,
      ...(extra.headers ? { headers: extra.headers } : {}),
    };
    return sendChat(target, spec, zero);
  };
  const result = await runLoad(plan, send);
  const servedModels: Record<string, number> = {};
  for (const s of result.samples)
    if (s.servedModel) servedModels[s.servedModel] = (servedModels[s.servedModel] ?? 0) + 1;
  const rejected = result.samples.filter((s) => s.status === 429).map((s) => s.latencyMs);
  const record: RunRecord = {
    ...meta,
    target: target.name,
    loop: plan.mode,
    summary: result.summary,
    servedModels,
    ...(plan.mode === "open" ? { ratePerSec: plan.ratePerSec, dropped: result.dropped } : {}),
    ...(rejected.length ? { rejectedLatencyMs: distribution(rejected) } : {}),
  };
  return { record, samples: result.samples };
}

export function describe(r: RunRecord): string {
  const s = r.summary;
  const f = (v: number | null, d = 1) => (v === null ? "-" : v.toFixed(d));
  const errs = Object.entries(s.errors)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${r.group.padEnd(13)} ${r.target.padEnd(12)} ${r.model.padEnd(24)} c=${String(r.concurrency).padEnd(3)} ${r.prompt.padEnd(6)} ${r.stream ? "sse " : "json"} ${r.loop === "open" ? `open@${f(r.ratePerSec ?? 0)}/s ` : ""}ok=${s.ok}/${s.requests} p50=${f(s.latencyMs.p50)}ms p99=${f(s.latencyMs.p99)}ms ttft50=${f(s.ttftMs.p50)}ms tok/s=${f(s.aggregateTokensPerSec, 0)} req/s=${f(s.requestsPerSec)}${errs ? ` errors:${errs}` : ""}`;
}

export function mergeSamples(
  a: RunRecord,
  samples: Sample[][],
  summarizeFn: (s: Sample[]) => Summary,
): RunRecord {
  return { ...a, summary: summarizeFn(samples.flat()) };
}

/** Targets for the gateway comparison, all in front of the main model's backend. */
export function gatewayTargets(stack: Stack, mainModel: string): Target[] {
  const backend = stack.backends.get(mainModel);
  if (!backend) throw new Error(`no backend for ${mainModel}`);
  const targets: Target[] = [{ name: "direct", baseUrl: `${backend.url}/v1`, headers: {} }];
  if (stack.floor) targets.push({ name: "floor", baseUrl: `${stack.floor.url}/proxy/v1`, headers: {} });
  if (stack.edge)
    targets.push({
      name: "edge",
      baseUrl: `${stack.edge.url}/v1`,
      headers: { authorization: `Bearer ${stack.apiKey}`, "cache-control": "no-cache" },
    });
  if (stack.portkey) {
    targets.push({
      name: "portkey",
      baseUrl: `${stack.portkey.url}/v1`,
      headers: {
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${backend.url}/v1`,
        authorization: "Bearer unused",
      },
    });
  }
  if (stack.litellm)
    targets.push({
      name: "litellm",
      baseUrl: `${stack.litellm.url}/v1`,
      headers: { authorization: `Bearer ${stack.litellmKey}` },
    });
  return targets;
}

/** What a scenario's run gets: the stack, the plan, and the shared ways to measure and record. */
export interface Ctx {
  stack: Stack;
  plan: BenchPlan;
  log: Log;
  /** Records a finished run (and logs its one-line summary). */
  push(r: RunRecord): void;
  /** Every run recorded so far (later scenarios read earlier ones, e.g. the open loop's rate). */
  records: RunRecord[];
  measure: typeof measure;
  closed(c: number): LoadPlan;
  base: { maxTokens: number };
  opts: { timeoutMs: number };
  /** The main model's backend, directly. */
  direct: Target;
  /** Starts a second edge with a tiny token bucket (rate-limit scenario); null when it cannot. */
  startRateLimitedEdge?: (() => Promise<Target | null>) | undefined;
}

/**
 * One scenario of the bench as data: what it runs, what it checks against the targets, and the
 * report section it writes (from the results file alone, so reports can be regenerated).
 */
export interface Scenario {
  name: string;
  run(ctx: Ctx): Promise<void>;
  /** Rows of the targets table: [target, measured, verdict]. */
  targets(results: BenchResults): string[][];
  section(results: BenchResults): string[];
}

/** The slices of a results file most sections read. */
export function reportView(results: BenchResults) {
  const runs = results.runs;
  return {
    runs,
    cs: [
      ...new Set(
        runs.filter((r) => r.group === "backend" || r.group === "gateway").map((r) => r.concurrency),
      ),
    ].sort((a, b) => a - b),
    mainModel: String(results.config.mainModel ?? ""),
    gw: runs.filter((r) => r.group === "gateway"),
    backendRuns: runs.filter((r) => r.group === "backend"),
  };
}

/** Error counts of a run, for tables. */
export const errs = (r: RunRecord) => {
  const e = Object.entries(r.summary.errors).map(([k, v]) => `${k}: ${v}`);
  return e.length ? e.join(", ") : "0";
};

/** Concurrency after which aggregate tokens/s grows by less than 10%: where batching saturates. */
export function saturationPoint(
  levels: Array<{ concurrency: number; tokensPerSec: number }>,
): { concurrency: number; tokensPerSec: number } | null {
  const sorted = [...levels].sort((a, b) => a.concurrency - b.concurrency);
  if (sorted.length === 0) return null;
  let best = sorted[0] as { concurrency: number; tokensPerSec: number };
  for (const l of sorted.slice(1)) {
    if (l.tokensPerSec > best.tokensPerSec * 1.1) best = l;
    else break;
  }
  return best;
}

/** p50 of `field` of `target` minus the same for "direct" at the same concurrency. */
export function added(
  gw: RunRecord[],
  target: string,
  c: number,
  field: "ttftMs" | "latencyMs",
  pct: "p50" | "p95" = "p50",
): number | null {
  const t = gw.find((r) => r.target === target && r.concurrency === c);
  const d = gw.find((r) => r.target === "direct" && r.concurrency === c);
  const a = t?.summary[field][pct];
  const b = d?.summary[field][pct];
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

export function writeSvg(name: string, svg: string): string {
  const file = join(RESULTS_DIR, name);
  writeFileSync(file, svg);
  return relative(BENCH_DIR, file);
}
