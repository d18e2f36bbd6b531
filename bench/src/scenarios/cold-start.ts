/**
 * Cold start on workerd: a fresh edge process per trial, in front of the zero-CPU fake upstream.
 * Measures the time from spawning workerd to the first answered request (first byte of a
 * streamed reply), that first request's time to first token, and the warm TTFT of the requests
 * after it, for an explicit model and for `auto` (the learned router). The first request is sent
 * as soon as the socket accepts connections: no health check warms the isolate before it.
 */
import { startFakeBackend } from "../../../edge/test/support/fake-backend.js";
import { nonceFor, promptFor } from "../prompts.js";
import { type Sample, sendChat, type Target } from "../request.js";
import type { Service } from "../services.js";
import { newApiKey, startEdge } from "../stack.js";
import { percentile } from "../stats.js";
import { f, table } from "./markdown.js";

export interface ColdStartPlan {
  /** The explicit model asked for (and the upstream's id). */
  model: string;
  trials: number;
  /** Warm requests after the first, per trial. */
  warm: number;
}

export interface ColdStartRow {
  requested: string;
  trials: number;
  /** Spawn of workerd to the socket accepting connections, p50 ms. */
  listenMs: number | null;
  /** Spawn of workerd to the first byte of the first reply, p50 ms. */
  firstAnswerMs: number | null;
  /** TTFT of the first request (sent at listen), p50 over trials. */
  firstTtftMs: number | null;
  /** TTFT of the following requests, p50 over all warm requests. */
  warmTtftMs: number | null;
  /** Route reason of the first reply (e.g. "classifier:p=0.83" or "default:classifier-timeout"). */
  firstReasons: string[];
  errors: number;
}

export interface ColdStartResults {
  upstream: { firstTokenMs: number; chunks: number; gapMs: number };
  rows: ColdStartRow[];
}

type Log = (line: string) => void;

const UPSTREAM = { firstTokenMs: 20, chunks: 20, gapMs: 5 };

/** Runs the cold-start scenario; starts and stops its own edges. */
export async function runColdStart(plan: ColdStartPlan, log: Log): Promise<ColdStartResults> {
  const upstream = await startFakeBackend();
  upstream.behave({
    kind: "ok",
    tokens: Array.from({ length: UPSTREAM.chunks }, () => " tok"),
    firstTokenDelayMs: UPSTREAM.firstTokenMs,
    gapMs: UPSTREAM.gapMs,
  });
  const upstreamService: Service = { name: "upstream", url: upstream.url, logFile: "", stop: async () => {} };
  const rows: ColdStartRow[] = [];
  let n = 0;
  try {
    for (const requested of [plan.model, "auto"]) {
      const listen: number[] = [];
      const firstAnswer: number[] = [];
      const firstTtft: number[] = [];
      const warmTtft: number[] = [];
      const reasons: string[] = [];
      let errors = 0;
      for (let trial = 0; trial < plan.trials; trial++) {
        const apiKey = newApiKey();
        const edge = await startEdge({
          name: "edge-cold",
          backends: new Map([[plan.model, upstreamService]]),
          apiKey,
          rateLimitCapacity: 1e9,
          rateLimitRefillPerSecond: 1e9,
          noReadyRequest: true,
        });
        try {
          const listening = performance.now();
          const target: Target = {
            name: "edge",
            baseUrl: `${edge.url}/v1`,
            headers: { authorization: `Bearer ${apiKey}`, "cache-control": "no-cache" },
          };
          const send = (): Promise<Sample> =>
            sendChat(
              target,
              {
                model: requested,
                prompt: promptFor("medium", nonceFor("cold", n++)),
                maxTokens: 32,
                stream: true,
                timeoutMs: 30_000,
              },
              performance.now(),
            );
          const first = await send();
          const spawned = edge.spawnedAt ?? listening;
          listen.push(listening - spawned);
          if (first.ok && first.ttftMs !== null) {
            firstTtft.push(first.ttftMs);
            firstAnswer.push(listening - spawned + first.ttftMs);
          } else errors++;
          reasons.push(first.routeReason ?? "?");
          for (let i = 0; i < plan.warm; i++) {
            const s = await send();
            if (s.ok && s.ttftMs !== null) warmTtft.push(s.ttftMs);
            else errors++;
          }
        } finally {
          await edge.stop();
        }
      }
      const row: ColdStartRow = {
        requested,
        trials: plan.trials,
        listenMs: percentile(listen, 50),
        firstAnswerMs: percentile(firstAnswer, 50),
        firstTtftMs: percentile(firstTtft, 50),
        warmTtftMs: percentile(warmTtft, 50),
        firstReasons: reasons,
        errors,
      };
      rows.push(row);
      log(
        `  cold-start ${requested}: listen ${f(row.listenMs)} ms, first answer ${f(row.firstAnswerMs)} ms after spawn, first TTFT ${f(row.firstTtftMs)} ms vs warm ${f(row.warmTtftMs)} ms (${reasons.join(", ")})`,
      );
    }
  } finally {
    await upstream.close();
  }
  return { upstream: UPSTREAM, rows };
}

/** The report section. */
export function coldStartSection(r: ColdStartResults): string[] {
  return [
    "## Cold start (edge on workerd)",
    "",
    `A fresh workerd process per trial in front of the fake upstream (${r.upstream.firstTokenMs} ms to first token). The first request is sent the moment the socket accepts connections (nothing warms the isolate before it). p50 over trials; warm TTFT is the p50 of the requests that follow on the same process.`,
    "",
    table(
      [
        "model asked",
        "trials",
        "spawn → listening ms",
        "spawn → first token ms",
        "first request TTFT ms",
        "warm TTFT ms",
        "first − warm ms",
        "first reply's route reason",
        "errors",
      ],
      r.rows.map((x) => [
        x.requested,
        x.trials,
        f(x.listenMs),
        f(x.firstAnswerMs),
        f(x.firstTtftMs),
        f(x.warmTtftMs),
        x.firstTtftMs !== null && x.warmTtftMs !== null ? f(x.firstTtftMs - x.warmTtftMs) : "–",
        [...new Set(x.firstReasons)].join(", "),
        x.errors,
      ]),
    ),
    "",
  ];
}

/** Targets: first request within 50 ms of a warm one. */
export function coldStartTargets(r: ColdStartResults) {
  return r.rows.map((x) => {
    const gap = x.firstTtftMs !== null && x.warmTtftMs !== null ? x.firstTtftMs - x.warmTtftMs : null;
    return {
      target: `first request after start (${x.requested}) TTFT within 50 ms of warm`,
      measured: `first ${f(x.firstTtftMs)} ms vs warm ${f(x.warmTtftMs)} ms (+${f(gap)})`,
      met: gap === null ? null : gap <= 50,
    };
  });
}
