import { nonceFor, type PromptSize, promptFor } from "./prompts.js";
import { type RequestSpec, type Sample, sendChat, type Target } from "./request.js";
import { type LoadPlan, runLoad } from "./runner.js";
import type { Stack } from "./stack.js";
import { type Distribution, distribution } from "./stats.js";
import type { Summary } from "./summary.js";

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

type Log = (line: string) => void;

let runCounter = 0;

/** Runs one closed-loop level and records it. Unique prompts unless `fixedPrompt` is given. */
async function measure(
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

function describe(r: RunRecord): string {
  const s = r.summary;
  const f = (v: number | null, d = 1) => (v === null ? "-" : v.toFixed(d));
  const errs = Object.entries(s.errors)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${r.group.padEnd(13)} ${r.target.padEnd(12)} ${r.model.padEnd(24)} c=${String(r.concurrency).padEnd(3)} ${r.prompt.padEnd(6)} ${r.stream ? "sse " : "json"} ${r.loop === "open" ? `open@${f(r.ratePerSec ?? 0)}/s ` : ""}ok=${s.ok}/${s.requests} p50=${f(s.latencyMs.p50)}ms p99=${f(s.latencyMs.p99)}ms ttft50=${f(s.ttftMs.p50)}ms tok/s=${f(s.aggregateTokensPerSec, 0)} req/s=${f(s.requestsPerSec)}${errs ? ` errors:${errs}` : ""}`;
}

function mergeSamples(a: RunRecord, samples: Sample[][], summarizeFn: (s: Sample[]) => Summary): RunRecord {
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

/**
 * Runs every scenario the stack allows, in an order that keeps like next to like:
 * backends alone first, then the gateway comparison interleaved per concurrency.
 */
export async function runScenarios(
  stack: Stack,
  plan: BenchPlan,
  log: Log,
  startRateLimitedEdge?: () => Promise<Target | null>,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const push = (r: RunRecord) => {
    records.push(r);
    log(describe(r));
  };
  const { summarize } = await import("./summary.js");
  const closed = (c: number): LoadPlan => ({
    mode: "closed",
    concurrency: c,
    requests: plan.requestsAt(c),
    warmup: plan.warmupAt(c),
  });
  const base = { maxTokens: plan.maxTokens };
  const opts = { timeoutMs: plan.timeoutMs };

  // 1. Each backend directly, streaming, across concurrency.
  for (const model of plan.directModels) {
    const backend = stack.backends.get(model);
    if (!backend) continue;
    const target: Target = { name: "direct", baseUrl: `${backend.url}/v1`, headers: {} };
    for (const c of plan.concurrencies) {
      push(
        (
          await measure(
            target,
            { ...base, group: "backend", model, concurrency: c, prompt: "medium", stream: true },
            closed(c),
            opts,
          )
        ).record,
      );
    }
  }
  const main = stack.backends.get(plan.mainModel);
  if (!main) return records;
  const direct: Target = { name: "direct", baseUrl: `${main.url}/v1`, headers: {} };

  // 2. Prompt sizes and non-streaming on the main model.
  for (const c of [1, 8]) {
    for (const prompt of ["short", "long"] as const) {
      push(
        (
          await measure(
            direct,
            { ...base, group: "prompt-size", model: plan.mainModel, concurrency: c, prompt, stream: true },
            closed(c),
            opts,
          )
        ).record,
      );
    }
    // Non-streaming, directly and through the edge: same load, so the difference is the edge.
    const edge = stack.edge
      ? (gatewayTargets(stack, plan.mainModel).find((t) => t.name === "edge") as Target)
      : undefined;
    for (const target of edge ? [direct, edge] : [direct]) {
      push(
        (
          await measure(
            target,
            {
              ...base,
              group: "non-streaming",
              model: plan.mainModel,
              concurrency: c,
              prompt: "medium",
              stream: false,
            },
            closed(c),
            opts,
          )
        ).record,
      );
    }
  }

  // 3. Open loop (Poisson) at fractions of the best closed-loop request rate seen.
  const best = Math.max(
    1,
    ...records
      .filter((r) => r.group === "backend" && r.model === plan.mainModel)
      .map((r) => r.summary.requestsPerSec),
  );
  for (const load of plan.openLoopLoads) {
    const rate = Math.max(1, Math.round(best * load * 10) / 10);
    const openPlan: LoadPlan = {
      mode: "open",
      process: "poisson",
      ratePerSec: rate,
      durationMs: plan.openLoopDurationMs,
      warmup: 4,
      seed: 7,
    };
    push(
      (
        await measure(
          direct,
          {
            ...base,
            group: "open-loop",
            model: plan.mainModel,
            concurrency: 0,
            prompt: "medium",
            stream: true,
          },
          openPlan,
          opts,
        )
      ).record,
    );
  }

  // 4. Gateways side by side on the same backend: direct, floor, edge, portkey, litellm.
  const targets = gatewayTargets(stack, plan.mainModel);
  for (const c of plan.concurrencies) {
    const byTarget = new Map<string, { record: RunRecord; samples: Sample[][] }>();
    for (let round = 0; round < plan.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const target of order) {
        const { record, samples } = await measure(
          target,
          {
            ...base,
            group: "gateway",
            model: plan.mainModel,
            concurrency: c,
            prompt: "medium",
            stream: true,
          },
          closed(c),
          opts,
        );
        const entry = byTarget.get(target.name);
        if (entry) entry.samples.push(samples);
        else byTarget.set(target.name, { record, samples: [samples] });
      }
    }
    for (const { record, samples } of byTarget.values()) push(mergeSamples(record, samples, summarize));
    if (stack.floor) {
      const fixed: Target = { name: "floor-fixed", baseUrl: `${stack.floor.url}/fixed/v1`, headers: {} };
      push(
        (
          await measure(
            fixed,
            {
              ...base,
              group: "floor-fixed",
              model: plan.mainModel,
              concurrency: c,
              prompt: "medium",
              stream: true,
            },
            closed(c),
            opts,
          )
        ).record,
      );
    }
  }

  if (stack.edge) {
    const edgeHit: Target = {
      name: "edge",
      baseUrl: `${stack.edge.url}/v1`,
      headers: { authorization: `Bearer ${stack.apiKey}` },
    };
    // 5. Cache hits: one priming request, then the same prompt again and again.
    for (const stream of [false, true]) {
      const fixedPrompt = `${promptFor("short")} [cache-probe ${Date.now()} ${stream}]`;
      await sendChat(
        edgeHit,
        {
          model: plan.mainModel,
          prompt: fixedPrompt,
          maxTokens: plan.maxTokens,
          stream,
          timeoutMs: plan.timeoutMs,
        },
        performance.now(),
      );
      for (const c of [1, 8]) {
        push(
          (
            await measure(
              edgeHit,
              { ...base, group: "cache-hit", model: plan.mainModel, concurrency: c, prompt: "short", stream },
              closed(c),
              { ...opts, fixedPrompt },
            )
          ).record,
        );
      }
    }
    // 6. The router: `auto` against fixed models, through the edge, no cache.
    const edgeNoCache = gatewayTargets(stack, plan.mainModel).find((t) => t.name === "edge") as Target;
    for (const c of [1, 8]) {
      for (const model of ["auto", ...plan.routerCompareModels]) {
        push(
          (
            await measure(
              edgeNoCache,
              { ...base, group: "router", model, concurrency: c, prompt: "medium", stream: true },
              closed(c),
              opts,
            )
          ).record,
        );
      }
    }
  }

  // 7. Rate limited: an edge whose token bucket is tiny; most requests should get 429 fast.
  if (startRateLimitedEdge) {
    const limited = await startRateLimitedEdge();
    if (limited) {
      const plan8: LoadPlan = { mode: "closed", concurrency: 8, requests: plan.quick ? 40 : 200, warmup: 0 };
      push(
        (
          await measure(
            limited,
            {
              ...base,
              maxTokens: 8,
              group: "rate-limit",
              model: plan.mainModel,
              concurrency: 8,
              prompt: "short",
              stream: false,
            },
            plan8,
            { ...opts, headers: { "cache-control": "no-cache" } },
          )
        ).record,
      );
    }
  }
  return records;
}
