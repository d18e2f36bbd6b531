/**
 * Backend serving against raw node-llama-cpp on this machine: the same model, thread count,
 * context size and number of sequences, generating the same prompt greedily. "http" streams
 * `/generate` from a real backend process (backends/, Hono on @hono/node-server); "raw" drives
 * node-llama-cpp in this process with `LlamaCompletion` on the context's sequences, no server.
 * Tokens/s per stream and aggregate, at each stream count, median over rounds, interleaved
 * (http, raw, http, raw, ...) so that drift in the machine's load hits both alike.
 *
 *   npm run -s backend-throughput -w bench -- [--model smollm2-135m-instruct] [--streams 1,4] [--threads 1] [--max-tokens 128] [--rounds 3] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { LlamaCompletion } from "node-llama-cpp";
import { parseBackendOptions } from "../../backends/src/config.js";
import { loadModel } from "../../backends/src/model/load-model.js";
import { LOG_DIR, REPO_DIR } from "./paths.js";
import { freePort, type Service, startService, stopAll } from "./services.js";

export interface ThroughputRow {
  mode: "http" | "raw";
  threads: number;
  streams: number;
  /** Mean tokens/s of one stream (its tokens over its own wall time). */
  perStreamTokS: number;
  /** All tokens of a round over the round's wall time, median of rounds. */
  aggregateTokS: number;
  ttftMsP50: number;
}

export interface ThroughputResults {
  model: string;
  maxTokens: number;
  rounds: number;
  prompt: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string };
  rows: ThroughputRow[];
}

interface OneStream {
  tokens: number;
  ms: number;
  ttftMs: number;
}

const PROMPT = "Once upon a time";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** One streamed /generate call: tokens from the final event, TTFT from the first token event. */
async function httpStream(url: string, maxTokens: number): Promise<OneStream> {
  const started = performance.now();
  const response = await fetch(`${url}/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: PROMPT, max_tokens: maxTokens, temperature: 0, stream: true }),
  });
  if (!response.ok || !response.body) throw new Error(`/generate answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let ttftMs = Number.NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (Number.isNaN(ttftMs) && value.includes("event: token")) ttftMs = performance.now() - started;
    text += value;
  }
  const doneEvent = /event: done\ndata: (.*)\n/.exec(text)?.[1];
  if (!doneEvent) throw new Error(`stream ended without a done event: ${text.slice(-300)}`);
  const usage = (JSON.parse(doneEvent) as { usage: { completion_tokens: number } }).usage;
  return { tokens: usage.completion_tokens, ms: performance.now() - started, ttftMs };
}

/** How both runners load the model: the same backend options, so only the HTTP serving differs. */
const loadArgs = (model: string, threads: number, streams: number): string[] => [
  "--model",
  model,
  "--threads",
  String(threads),
  "--parallel",
  String(streams),
  "--context-size",
  "512",
  "--gpu",
  "off",
];

interface Runner {
  run(): Promise<OneStream>;
  stop(): Promise<void>;
}

async function httpRunner(
  model: string,
  threads: number,
  streams: number,
  maxTokens: number,
): Promise<Runner> {
  const port = await freePort();
  const service: Service = await startService({
    name: `throughput-${model}-${streams}`,
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      "backends/src/cli.ts",
      ...loadArgs(model, threads, streams),
      "--port",
      String(port),
    ],
    cwd: REPO_DIR,
    port,
    readyPath: "/ready",
    readyTimeoutMs: 120_000,
    logDir: LOG_DIR,
  });
  return { run: () => httpStream(service.url, maxTokens), stop: () => service.stop() };
}

/** node-llama-cpp alone, loaded exactly as the backend loads it (same options, same loader). */
async function rawRunner(
  model: string,
  threads: number,
  streams: number,
  maxTokens: number,
): Promise<Runner> {
  const loaded = await loadModel(parseBackendOptions(loadArgs(model, threads, streams), {}));
  const free = [...loaded.sequences];
  const promptTokens = loaded.model.tokenize(PROMPT);
  return {
    async run() {
      const sequence = free.pop();
      if (!sequence) throw new Error("no free sequence");
      const started = performance.now();
      let ttftMs = Number.NaN;
      let tokens = 0;
      try {
        const completion = new LlamaCompletion({ contextSequence: sequence });
        await completion.generateCompletion(promptTokens, {
          maxTokens,
          temperature: 0,
          disableContextShift: true,
          onToken: (t) => {
            if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
            tokens += t.length;
          },
        });
        await sequence.clearHistory();
        return { tokens, ms: performance.now() - started, ttftMs };
      } finally {
        free.push(sequence);
      }
    },
    stop: () => loaded.dispose(),
  };
}

async function measureRound(runner: Runner, streams: number) {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: streams }, () => runner.run()));
  const wall = performance.now() - started;
  return { aggregate: (results.reduce((s, r) => s + r.tokens, 0) * 1000) / wall, results };
}

/** Runs the comparison; starts and stops everything it uses. */
export async function runBackendThroughput(opts: {
  model: string;
  threads: number[];
  streams: number[];
  maxTokens: number;
  rounds: number;
  log?: (line: string) => void;
}): Promise<ThroughputResults> {
  const rows: ThroughputRow[] = [];
  for (const threads of opts.threads) {
    for (const streams of opts.streams) {
      const runners = {
        http: await httpRunner(opts.model, threads, streams, opts.maxTokens),
        raw: await rawRunner(opts.model, threads, streams, opts.maxTokens),
      };
      try {
        const acc = {
          http: { aggregates: [] as number[], perStream: [] as number[], ttfts: [] as number[] },
          raw: { aggregates: [] as number[], perStream: [] as number[], ttfts: [] as number[] },
        };
        for (const mode of ["http", "raw"] as const) await runners[mode].run(); // warm-up
        for (let r = 0; r < opts.rounds; r++) {
          for (const mode of (r % 2 === 0 ? ["http", "raw"] : ["raw", "http"]) as Array<"http" | "raw">) {
            const { aggregate, results } = await measureRound(runners[mode], streams);
            acc[mode].aggregates.push(aggregate);
            for (const x of results) {
              acc[mode].perStream.push((x.tokens * 1000) / x.ms);
              acc[mode].ttfts.push(x.ttftMs);
            }
          }
        }
        for (const mode of ["http", "raw"] as const) {
          const a = acc[mode];
          const row: ThroughputRow = {
            mode,
            threads,
            streams,
            perStreamTokS: round1(a.perStream.reduce((x, y) => x + y, 0) / a.perStream.length),
            aggregateTokS: round1(median(a.aggregates)),
            ttftMsP50: round1(median(a.ttfts)),
          };
          rows.push(row);
          opts.log?.(
            `  backend-throughput ${mode} threads=${threads} streams=${streams}: ${row.aggregateTokS} tok/s aggregate, ${row.perStreamTokS} per stream, TTFT ${row.ttftMsP50} ms`,
          );
        }
      } finally {
        await runners.http.stop();
        await runners.raw.stop();
      }
    }
  }
  return {
    model: opts.model,
    maxTokens: opts.maxTokens,
    rounds: opts.rounds,
    prompt: PROMPT,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    rows,
  };
}

/** The report section: HTTP serving as a share of raw node-llama-cpp, per stream count. */
export function backendThroughputSection(r: ThroughputResults): string[] {
  const out = [
    "## Backend serving versus raw node-llama-cpp",
    "",
    `${r.model}, prompt "${r.prompt}", greedy, max_tokens ${r.maxTokens}, context 512, CPU only; median of ${r.rounds} interleaved rounds. **http**: streamed \`/generate\` from a backend process (backends/: Hono on @hono/node-server, sequence pool, SSE); **raw**: \`LlamaCompletion\` on the same kind of context in one process, loaded by the backend's own loader.`,
    "",
    "| threads | streams | http tok/s (aggregate) | raw tok/s (aggregate) | http ÷ raw | http per stream | raw per stream | TTFT http / raw ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const http of r.rows.filter((x) => x.mode === "http")) {
    const raw = r.rows.find(
      (x) => x.mode === "raw" && x.threads === http.threads && x.streams === http.streams,
    );
    if (!raw) continue;
    out.push(
      `| ${http.threads} | ${http.streams} | ${http.aggregateTokS} | ${raw.aggregateTokS} | ${(http.aggregateTokS / raw.aggregateTokS).toFixed(2)} | ${http.perStreamTokS} | ${raw.perStreamTokS} | ${http.ttftMsP50} / ${raw.ttftMsP50} |`,
    );
  }
  out.push("");
  return out;
}

/** Target: serving within 10% of raw tokens/s, per stream count. */
export function backendThroughputTargets(r: ThroughputResults) {
  return r.rows
    .filter((x) => x.mode === "http")
    .flatMap((http) => {
      const raw = r.rows.find(
        (x) => x.mode === "raw" && x.threads === http.threads && x.streams === http.streams,
      );
      if (!raw) return [];
      const ratio = http.aggregateTokS / raw.aggregateTokS;
      return [
        {
          target: `backend HTTP within 10% of raw node-llama-cpp (${http.streams} stream${http.streams > 1 ? "s" : ""})`,
          measured: `${http.aggregateTokS} vs ${raw.aggregateTokS} tok/s (×${ratio.toFixed(2)})`,
          met: ratio >= 0.9,
        },
      ];
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      model: { type: "string", default: "smollm2-135m-instruct" },
      "max-tokens": { type: "string", default: "128" },
      rounds: { type: "string", default: "3" },
      threads: { type: "string", default: "1" },
      streams: { type: "string", default: "1,4" },
      json: { type: "string" },
    },
  });
  const list = (s: string) => s.split(",").map(Number);
  try {
    const results = await runBackendThroughput({
      model: values.model as string,
      threads: list(values.threads as string),
      streams: list(values.streams as string),
      maxTokens: Number(values["max-tokens"]),
      rounds: Number(values.rounds),
      log: (l) => console.error(l),
    });
    if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(backendThroughputSection(results).join("\n"));
  } finally {
    await stopAll();
  }
}
