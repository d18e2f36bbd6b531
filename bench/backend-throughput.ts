/**
 * Backend throughput on this machine: starts real model servers (stories260K, CPU) and measures
 * single-stream and aggregate tokens/s at 1, 2, 4 and 8 concurrent streams (with --parallel equal to
 * the concurrency) for 1 and 2 threads, plus the server process's memory.
 *
 *   node --import tsx bench/backend-throughput.ts [--max-tokens 256] [--rounds 3] [--threads 1,2] [--streams 1,2,4,8] [--json]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values: flags } = parseArgs({
  options: {
    model: { type: "string", default: "stories260k" },
    "max-tokens": { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    threads: { type: "string", default: "1,2" },
    streams: { type: "string", default: "1,2,4,8" },
    json: { type: "boolean", default: false },
  },
});
const MAX_TOKENS = Number(flags["max-tokens"]);
const ROUNDS = Number(flags.rounds);
const list = (s: string) => s.split(",").map(Number);

interface Row {
  threads: number;
  streams: number;
  /** Mean tokens/s of one stream (its tokens over its own wall time). */
  perStreamTokS: number;
  /** All tokens of a round over the round's wall time, median of rounds. */
  aggregateTokS: number;
  ttftMsP50: number;
  rssMiB: number;
  peakRssMiB: number;
}

interface Backend {
  child: ChildProcess;
  url: string;
}

async function startBackend(threads: number, parallel: number): Promise<Backend> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "backends/src/cli.ts",
      "--model",
      flags.model as string,
      "--port",
      "0",
      "--threads",
      String(threads),
      "--parallel",
      String(parallel),
      "--context-size",
      "512",
      "--gpu",
      "off",
      "--timeout-ms",
      "600000",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  return new Promise((resolvePromise, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const url = /"msg":"listening","url":"([^"]+)"/.exec(out)?.[1];
      if (url && out.includes('"msg":"ready"')) resolvePromise({ child, url });
    });
    child.once("exit", (code) => reject(new Error(`backend exited with ${code}`)));
  });
}

async function stopBackend(backend: Backend): Promise<void> {
  const exited = new Promise((r) => backend.child.once("exit", r));
  backend.child.kill("SIGTERM");
  await exited;
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** One streamed /generate call: tokens from the final event, TTFT from the first token event. */
async function stream(url: string): Promise<{ tokens: number; ms: number; ttftMs: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/generate`, {
    method: "POST",
    body: JSON.stringify({
      prompt: "Once upon a time",
      max_tokens: MAX_TOKENS,
      temperature: 0,
      stream: true,
    }),
  });
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
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
  return { tokens: JSON.parse(doneEvent).usage.completion_tokens, ms: performance.now() - started, ttftMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x);

async function measure(threads: number, streams: number): Promise<Row> {
  const backend = await startBackend(threads, streams);
  try {
    await stream(backend.url); // warm-up
    const aggregates: number[] = [];
    const perStream: number[] = [];
    const ttfts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: streams }, () => stream(backend.url)));
      const wall = performance.now() - started;
      aggregates.push((results.reduce((sum, r) => sum + r.tokens, 0) * 1000) / wall);
      for (const r of results) {
        perStream.push((r.tokens * 1000) / r.ms);
        ttfts.push(r.ttftMs);
      }
    }
    const memory = memoryMiB(backend.child.pid as number);
    return {
      threads,
      streams,
      perStreamTokS: round(perStream.reduce((a, b) => a + b, 0) / perStream.length),
      aggregateTokS: round(median(aggregates)),
      ttftMsP50: round(median(ttfts)),
      rssMiB: round(memory.rss),
      peakRssMiB: round(memory.peak),
    };
  } finally {
    await stopBackend(backend);
  }
}

const rows: Row[] = [];
for (const threads of list(flags.threads as string)) {
  for (const streams of list(flags.streams as string)) {
    const row = await measure(threads, streams);
    rows.push(row);
    process.stderr.write(
      `threads=${threads} streams=${streams}: ${row.aggregateTokS} tok/s aggregate, ${row.perStreamTokS} tok/s per stream\n`,
    );
  }
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
if (flags.json) {
  process.stdout.write(
    `${JSON.stringify({ model: flags.model, maxTokens: MAX_TOKENS, rounds: ROUNDS, machine, rows }, null, 2)}\n`,
  );
} else {
  process.stdout.write(
    `Model ${flags.model}, max_tokens ${MAX_TOKENS}, ${ROUNDS} rounds; ${machine.cpus} vCPU (${machine.cpuModel}), ${machine.memGiB} GiB, Node ${machine.node}\n\n`,
  );
  process.stdout.write(
    "| threads | streams (= --parallel) | aggregate tok/s | per-stream tok/s | TTFT p50 ms | RSS MiB | peak RSS MiB |\n|---|---|---|---|---|---|---|\n",
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.threads} | ${r.streams} | ${r.aggregateTokS} | ${r.perStreamTokS} | ${r.ttftMsP50} | ${r.rssMiB} | ${r.peakRssMiB} |\n`,
    );
}
