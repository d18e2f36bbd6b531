/**
 * Focused measurement of the edge's own cost: one backend, the platform-floor worker and the
 * edge (both under `wrangler dev`), streaming chat completions, closed loop, interleaved per
 * concurrency level (direct -> floor -> edge, `--rounds` times), plus cache-hit latency.
 * Prints a table and writes JSON when `--out` is given.
 *
 * `--backend fake` swaps the llama.cpp server for a tiny in-process SSE server with a fixed
 * timing (TTFT and token interval), so the gateway's cost is not hidden by batching noise.
 *
 * @example
 * npx tsx bench/src/edge-overhead.ts --concurrency 1,4,8,16 --requests 60 --rounds 2
 * npx tsx bench/src/edge-overhead.ts --backend fake --concurrency 1,8,32
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { parseArgs } from "node:util";
import { nonceFor, promptFor } from "./prompts.js";
import { type Sample, sendChat, type Target } from "./request.js";
import { runLoad } from "./runner.js";
import { type Service, stopAll } from "./services.js";
import { newApiKey, startBackend, startEdge, startFloor } from "./stack.js";
import { percentile } from "./stats.js";

const MODEL = "qwen2.5-7b-instruct";

/** A fake OpenAI-compatible streaming backend: `ttftMs` to the first token, then one per `intervalMs`. */
const inFlight = { now: 0, max: 0 };

function startFakeBackend(
  ttftMs: number,
  intervalMs: number,
  tokens: number,
  contentType = "text/event-stream",
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/ready" || req.url === "/health") {
      res.end("ok");
      return;
    }
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    res.on("close", () => {
      inFlight.now--;
    });
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      let max = tokens;
      try {
        const parsed = JSON.parse(body) as { max_tokens?: number };
        if (typeof parsed.max_tokens === "number") max = Math.min(tokens, parsed.max_tokens);
      } catch {
        // fall through with the default
      }
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
      const created = Math.floor(Date.now() / 1000);
      const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
        `data: ${JSON.stringify({ id: "fake", object: "chat.completion.chunk", created, model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
      res.write(chunk({ role: "assistant", content: "" }, null));
      let sent = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (sent < max) {
          res.write(chunk({ content: " tok" }, null));
          sent++;
          setTimeout(tick, intervalMs);
          return;
        }
        res.write(
          chunk({}, "length", { prompt_tokens: 10, completion_tokens: sent, total_tokens: sent + 10 }),
        );
        res.end("data: [DONE]\n\n");
      };
      setTimeout(tick, ttftMs);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** What a process of a service is, from its command line (wrangler dev runs node and two workerds). */
function processKind(cmd: string, port: string): string {
  if (cmd.includes("workerd"))
    return cmd.includes(`entry=127.0.0.1:${port} `) ? "workerd-proxy" : "workerd-user";
  if (cmd.includes("esbuild")) return "esbuild";
  return "node";
}

/**
 * CPU ms used so far by each service's processes (Linux /proc), keyed `service:kind`. Services run
 * detached, one process group each. Plus this process (load generator, fake backend) as `loadgen`.
 */
function cpuMsByService(services: Service[]): Map<string, number> {
  const procs: { group: number; ms: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.push({
        group: Number(fields[2]),
        ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100,
        cmd: `${readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ")} `,
      });
    } catch {
      // the process ended meanwhile
    }
  }
  const out = new Map<string, number>();
  for (const s of services) {
    const port = new URL(s.url).port;
    const groups = new Set(procs.filter((p) => p.cmd.includes(`--port ${port} `)).map((p) => p.group));
    for (const p of procs.filter((p) => groups.has(p.group))) {
      const key = `${s.name}:${processKind(p.cmd, port)}`;
      out.set(key, (out.get(key) ?? 0) + p.ms);
    }
  }
  out.set("loadgen", (process.cpuUsage().user + process.cpuUsage().system) / 1000);
  return out;
}

interface Row {
  target: string;
  concurrency: number;
  ok: number;
  requests: number;
  ttft: { p50: number | null; p99: number | null };
  total: { p50: number | null; p99: number | null };
  /** CPU ms per request, by process group, over this target's runs. */
  cpuMsPerRequest?: Record<string, number>;
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function rowOf(target: string, concurrency: number, samples: Sample[]): Row {
  const ok = samples.filter((s) => s.ok);
  const ttfts = ok.map((s) => s.ttftMs ?? Number.NaN);
  const totals = ok.map((s) => s.latencyMs);
  return {
    target,
    concurrency,
    ok: ok.length,
    requests: samples.length,
    ttft: { p50: round1(percentile(ttfts, 50)), p99: round1(percentile(ttfts, 99)) },
    total: { p50: round1(percentile(totals, 50)), p99: round1(percentile(totals, 99)) },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: "string", default: "1,4,8,16" },
      requests: { type: "string", default: "48" },
      rounds: { type: "string", default: "2" },
      "max-tokens": { type: "string", default: "16" },
      parallel: { type: "string", default: "8" },
      backend: { type: "string", default: "llama" },
      "fake-ttft-ms": { type: "string", default: "20" },
      "fake-interval-ms": { type: "string", default: "5" },
      "fake-content-type": { type: "string", default: "text/event-stream" },
      targets: { type: "string", default: "direct,floor,edge" },
      "cache-hits": { type: "string", default: "20" },
      out: { type: "string" },
    },
  });
  const levels = (values.concurrency as string).split(",").map(Number);
  const requestsPerLevel = Number(values.requests);
  const rounds = Number(values.rounds);
  const maxTokens = Number(values["max-tokens"]);
  const wanted = new Set((values.targets as string).split(","));
  const runId = Date.now().toString(36);

  let fake: Server | undefined;
  let backendUrl: string;
  const backends = new Map<string, Service>();
  if (values.backend === "fake") {
    fake = await startFakeBackend(
      Number(values["fake-ttft-ms"]),
      Number(values["fake-interval-ms"]),
      maxTokens,
      values["fake-content-type"],
    );
    backendUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    backends.set(MODEL, { name: "fake", url: backendUrl, logFile: "", stop: async () => {} });
  } else {
    const backend = await startBackend(MODEL, { parallel: Number(values.parallel), queueSize: 256 });
    backendUrl = backend.url;
    backends.set(MODEL, backend);
  }
  const apiKey = newApiKey();
  const [floor, edge] = await Promise.all([
    wanted.has("floor") ? startFloor(backendUrl) : undefined,
    wanted.has("edge")
      ? startEdge({ backends, apiKey, rateLimitCapacity: 1e9, rateLimitRefillPerSecond: 1e9 })
      : undefined,
  ]);
  const targets: Target[] = [{ name: "direct", baseUrl: `${backendUrl}/v1`, headers: {} }];
  if (floor) targets.push({ name: "floor", baseUrl: `${floor.url}/proxy/v1`, headers: {} });
  if (edge)
    targets.push({
      name: "edge",
      baseUrl: `${edge.url}/v1`,
      headers: { authorization: `Bearer ${apiKey}`, "cache-control": "no-cache" },
    });

  let counter = 0;
  const spec = () => ({
    model: MODEL,
    prompt: promptFor("medium", nonceFor(runId, counter++)),
    maxTokens,
    stream: true,
    timeoutMs: 120_000,
  });

  const samples = new Map<string, Sample[]>();
  const cpu = new Map<string, Map<string, number>>();
  const services = [...backends.values(), ...(floor ? [floor] : []), ...(edge ? [edge] : [])];
  try {
    for (const c of levels) {
      for (let r = 0; r < rounds; r++) {
        for (const t of targets.filter((t) => wanted.has(t.name))) {
          const cpuBefore = cpuMsByService(services);
          const res = await runLoad(
            {
              mode: "closed",
              concurrency: c,
              requests: Math.max(c, Math.ceil(requestsPerLevel / rounds)),
              warmup: Math.min(c, 4),
            },
            (_i, zero) => sendChat(t, spec(), zero),
          );
          const key = `${t.name}@${c}`;
          const cpuAfter = cpuMsByService(services);
          const acc = cpu.get(key) ?? new Map<string, number>();
          for (const [name, ms] of cpuAfter)
            acc.set(name, (acc.get(name) ?? 0) + ms - (cpuBefore.get(name) ?? 0));
          cpu.set(key, acc);
          if (fake) console.log(`${key}: most requests in flight at the fake backend: ${inFlight.max}`);
          inFlight.max = 0;
          samples.set(key, [...(samples.get(key) ?? []), ...res.samples]);
        }
      }
    }

    const rows: Row[] = [];
    for (const c of levels)
      for (const t of targets) {
        const s = samples.get(`${t.name}@${c}`);
        if (!s) continue;
        const row = rowOf(t.name, c, s);
        const used = cpu.get(`${t.name}@${c}`);
        if (used)
          row.cpuMsPerRequest = Object.fromEntries(
            [...used].map(([name, ms]) => [name, Math.round((ms / s.length) * 10) / 10]),
          );
        rows.push(row);
      }

    // Cache hits: prime with one request, then ask the same thing again (streaming and JSON).
    const hits: { mode: string; ms: number[]; hit: number }[] = [];
    const edgeTarget = targets.find((t) => t.name === "edge");
    if (edgeTarget) {
      const cached: Target = {
        ...edgeTarget,
        headers: { authorization: edgeTarget.headers.authorization as string },
      };
      for (const stream of [true, false]) {
        const ms: number[] = [];
        let hit = 0;
        for (let i = 0; i < Number(values["cache-hits"]); i++) {
          const s = { ...spec(), stream };
          await sendChat(cached, s, performance.now());
          const sample = await sendChat(cached, s, performance.now());
          if (sample.ok) ms.push(sample.latencyMs);
          if (sample.cache === "HIT") hit++;
        }
        hits.push({ mode: stream ? "stream" : "json", ms, hit });
      }
    }

    const direct = new Map(rows.filter((r) => r.target === "direct").map((r) => [r.concurrency, r]));
    const machine = `${os.cpus()[0]?.model ?? "cpu"}, ${os.cpus().length} vCPU, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join("/")}`;
    console.log(`\nmachine: ${machine}; backend: ${values.backend}; max_tokens ${maxTokens}\n`);
    console.log(
      "| target | c | ok/req | TTFT p50 / p99 ms | total p50 / p99 ms | added TTFT p50 | added total p50 | CPU ms/request |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of rows) {
      const d = direct.get(r.concurrency);
      const add = (a: number | null, b: number | null | undefined) =>
        r.target === "direct" || a === null || b === null || b === undefined ? "–" : (a - b).toFixed(1);
      console.log(
        `| ${r.target} | ${r.concurrency} | ${r.ok}/${r.requests} | ${r.ttft.p50} / ${r.ttft.p99} | ${r.total.p50} / ${r.total.p99} | ${add(r.ttft.p50, d?.ttft.p50)} | ${add(r.total.p50, d?.total.p50)} | ${Object.entries(
          r.cpuMsPerRequest ?? {},
        )
          .map(([n, ms]) => `${n} ${ms}`)
          .join(", ")} |`,
      );
    }
    for (const h of hits)
      console.log(
        `cache hit (${h.mode}): total p50 ${round1(percentile(h.ms, 50))} ms, p99 ${round1(percentile(h.ms, 99))} ms, HIT ${h.hit}/${h.ms.length}`,
      );
    if (values.out)
      writeFileSync(
        values.out,
        JSON.stringify({ machine, backend: values.backend, maxTokens, rows, hits }, null, 2),
      );
  } finally {
    await stopAll();
    fake?.close();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
