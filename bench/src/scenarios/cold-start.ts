/**
 * Cold start on workerd: a fresh edge process per trial, in front of the zero-CPU fake upstream.
 * Measures the time from spawning workerd to the first answered request (first byte of a
 * streamed reply), that first request's time to first token, and the warm TTFT of the requests
 * after it, for an explicit model and for `auto` (the learned router). The first request is sent
 * as soon as the socket accepts connections: no health check warms the isolate before it. Since
 * workerd 1.2026111x opens its socket before the worker is loaded (the isolate loads in the
 * background), a second fresh process per trial gets its first request `settleMs` after the
 * socket opened: what an isolate's own start-up work (the ONNX session, wasm) leaves on the path
 * of a first request once the script is loaded.
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
  /** How long after listening the second process gets its first request. */
  settleMs: number;
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
  /** TTFT of a fresh process's first request sent `settleMs` after listening, p50 (absent in older results). */
  settledFirstTtftMs?: number | null;
  settleMs?: number;
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
      const settledTtft: number[] = [];
      const reasons: string[] = [];
      let errors = 0;
      const freshEdge = (apiKey: string) =>
        startEdge({
          name: "edge-cold",
          backends: new Map([[plan.model, upstreamService]]),
          apiKey,
          rateLimitCapacity: 1e9,
          rateLimitRefillPerSecond: 1e9,
          noReadyRequest: true,
        });
      /** A streamed chat to `edge` for the model asked, timed from the call. */
      const sender = (edge: Service, apiKey: string) => (): Promise<Sample> => {
        const target: Target = {
          name: "edge",
          baseUrl: `${edge.url}/v1`,
          headers: { authorization: `Bearer ${apiKey}`, "cache-control": "no-cache" },
        };
        return sendChat(
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
      };
      /** Its TTFT into `into`, or one more error. */
      const record = (s: Sample, into: number[]) => {
        if (s.ok && s.ttftMs !== null) into.push(s.ttftMs);
        else errors++;
      };
      for (let trial = 0; trial < plan.trials; trial++) {
        const apiKey = newApiKey();
        const edge = await freshEdge(apiKey);
        try {
          const listening = performance.now();
          const send = sender(edge, apiKey);
          const first = await send();
          const spawned = edge.spawnedAt ?? listening;
          listen.push(listening - spawned);
          record(first, firstTtft);
          if (first.ok && first.ttftMs !== null) firstAnswer.push(listening - spawned + first.ttftMs);
          reasons.push(first.routeReason ?? "?");
          for (let i = 0; i < plan.warm; i++) record(await send(), warmTtft);
        } finally {
          await edge.stop();
        }
        const settled = await freshEdge(apiKey);
        try {
          await new Promise((r) => setTimeout(r, plan.settleMs));
          record(await sender(settled, apiKey)(), settledTtft);
        } finally {
          await settled.stop();
        }
      }
      const row: ColdStartRow = {
        requested,
        trials: plan.trials,
        listenMs: percentile(listen, 50),
        firstAnswerMs: percentile(firstAnswer, 50),
        firstTtftMs: percentile(firstTtft, 50),
        warmTtftMs: percentile(warmTtft, 50),
        settledFirstTtftMs: percentile(settledTtft, 50),
        settleMs: plan.settleMs,
        firstReasons: reasons,
        errors,
      };
      rows.push(row);
      log(
        `  cold-start ${requested}: listen ${f(row.listenMs)} ms, first answer ${f(row.firstAnswerMs)} ms after spawn, first TTFT ${f(row.firstTtftMs)} ms vs warm ${f(row.warmTtftMs)} ms, first TTFT ${plan.settleMs} ms after listening ${f(row.settledFirstTtftMs ?? null)} ms (${reasons.join(", ")})`,
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
    `A fresh workerd process per trial in front of the fake upstream (${r.upstream.firstTokenMs} ms to first token). The first request is sent the moment the socket accepts connections (nothing warms the isolate before it). p50 over trials; warm TTFT is the p50 of the requests that follow on the same process. workerd opens its socket before the worker is loaded (since 1.2026111x; the isolate loads in the background), so a request at that moment waits for the script and the isolate's start-up work; the *settled* column is a second fresh process per trial whose first request is sent ${r.rows[0]?.settleMs ?? "–"} ms after its socket opened.`,
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
        "settled first request TTFT ms",
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
        f(x.settledFirstTtftMs ?? null),
        [...new Set(x.firstReasons)].join(", "),
        x.errors,
      ]),
    ),
    "",
  ];
}

/** Targets: first request within 50 ms of a warm one. */
export function coldStartTargets(r: ColdStartResults) {
  return r.rows.flatMap((x) => {
    const gap = x.firstTtftMs !== null && x.warmTtftMs !== null ? x.firstTtftMs - x.warmTtftMs : null;
    const rows = [
      {
        target: `first request after start (${x.requested}) TTFT within 50 ms of warm, sent the moment the socket opens`,
        measured: `first ${f(x.firstTtftMs)} ms vs warm ${f(x.warmTtftMs)} ms (+${f(gap)})`,
        met: gap === null ? null : gap <= 50,
      },
    ];
    const settled = x.settledFirstTtftMs ?? null;
    if (settled !== null && x.warmTtftMs !== null)
      rows.push({
        target: `first request after start (${x.requested}) TTFT within 50 ms of warm, sent ${x.settleMs} ms after the socket opens`,
        measured: `first ${f(settled)} ms vs warm ${f(x.warmTtftMs)} ms (+${f(settled - x.warmTtftMs)})`,
        met: settled - x.warmTtftMs <= 50,
      });
    return rows;
  });
}
