/**
 * Soak: the edge on workerd itself (the production runtime, no wrangler) under N concurrent
 * streams for a bounded time, against two loopback fake backends (the edge tests' fault-injecting
 * one), sampling workerd's resident memory. Optionally every Nth stream is cut mid-answer on the
 * first backend, so the continuation path runs under load too. Loopback only, nothing leaves
 * the machine. Writes bench/results/soak-<time>.json and the soak section of bench/report.md.
 *
 * @example npm run soak -w bench -- --duration-s 600 --concurrency 32 --cut-every 20
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startFakeBackend } from "../../edge/test/support/fake-backend.js";
import { processCpu } from "./cpu.js";
import { machineFacts } from "./machine.js";
import { freePort, type Service, stopAll } from "./services.js";
import { soakResultFile, soakSection, spliceSoakSection } from "./soak-report.js";
import { startEdge } from "./stack.js";
import { percentile } from "./stats.js";
import { connectInspector } from "./workerd/inspector.js";

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  rssMiB: number;
  /** The edge isolate's JS heap after a forced GC (with --heap: through workerd's V8 inspector). */
  heapMiB?: number;
  done: number;
}

export interface SoakResult {
  kind: "soak";
  startedAt: string;
  machine: ReturnType<typeof machineFacts>;
  loadAverage: { start: number; end: number };
  settings: {
    durationS: number;
    concurrency: number;
    warmupS: number;
    tokens: number;
    gapMs: number;
    cutEvery: number;
  };
  requests: number;
  failed: number;
  failures: Record<string, number>;
  /** Streams cut on the first backend and finished whole by the second (as the client saw them). */
  continued: number;
  throughputRps: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  workerdCpuMsPerRequest: number;
  samples: SoakSample[];
  rssMiB: { afterWarmup: number; end: number; max: number; idle: number; growthPct: number };
}

const A = "qwen2.5-7b-instruct";
const B = "llama-3.1-8b-instruct";

/** Resident memory of a process group (workerd and anything it forked), in MiB. */
function groupRssMiB(group: number): number {
  let kib = 0;
  for (const p of processCpu()) {
    if (p.group !== group) continue;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
      kib += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

const groupCpuMs = (group: number) =>
  processCpu()
    .filter((p) => p.group === group)
    .reduce((sum, p) => sum + p.ms, 0);
/** A probe of the edge worker's JS heap after a full GC, over workerd's V8 inspector. */
async function heapProbe(port: number, healthUrl: string): Promise<() => Promise<number>> {
  const session = await connectInspector(port, "edge");
  const { ws } = session;
  // workerd 1.20261117 may leave an inspector command unanswered until the isolate has other
  // work (seen with no traffic, e.g. before the load starts or in the idle phase): a health
  // request every 200 ms while a command is pending wakes it.
  const call = async (method: string, params?: Record<string, unknown>) => {
    const wake = setInterval(() => {
      fetch(healthUrl).then(
        (r) => r.body?.cancel(),
        () => {},
      );
    }, 200);
    try {
      return await session.call(method, params);
    } finally {
      clearInterval(wake);
    }
  };
  const chunks: string[] = [];
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { method?: string; params?: { chunk?: string } };
    if (msg.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(msg.params?.chunk ?? "");
  });
  if (process.env.SOAK_HEAP_SNAPSHOTS) {
    // Diagnostics: object counts by constructor after a GC, written next to the results.
    const snapshot = async (label: string) => {
      chunks.length = 0;
      await call("HeapProfiler.collectGarbage");
      await call("HeapProfiler.takeHeapSnapshot");
      if (process.env.SOAK_HEAP_RAW)
        writeFileSync(`${process.env.SOAK_HEAP_SNAPSHOTS}-${label}.heapsnapshot`, chunks.join(""));
      const snap = JSON.parse(chunks.join("")) as {
        snapshot: { meta: { node_fields: string[] } };
        nodes: number[];
        strings: string[];
      };
      const fields = snap.snapshot.meta.node_fields;
      const width = fields.length;
      const nameAt = fields.indexOf("name");
      const sizeAt = fields.indexOf("self_size");
      const counts = new Map<string, { n: number; bytes: number }>();
      for (let i = 0; i < snap.nodes.length; i += width) {
        const name = snap.strings[snap.nodes[i + nameAt] as number] ?? "?";
        const c = counts.get(name) ?? { n: 0, bytes: 0 };
        c.n += 1;
        c.bytes += snap.nodes[i + sizeAt] as number;
        counts.set(name, c);
      }
      writeFileSync(`${process.env.SOAK_HEAP_SNAPSHOTS}-${label}.json`, JSON.stringify([...counts]));
    };
    (globalThis as { soakSnapshot?: (label: string) => Promise<void> }).soakSnapshot = snapshot;
  }
  return async () => {
    await call("HeapProfiler.collectGarbage");
    const usage = (await call("Runtime.getHeapUsage")) as { usedSize: number };
    return Math.round((usage.usedSize / 1024 / 1024) * 10) / 10;
  };
}

const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "duration-s": { type: "string", default: "150" },
      concurrency: { type: "string", default: "32" },
      "warmup-s": { type: "string", default: "30" },
      "sample-s": { type: "string", default: "5" },
      "idle-s": { type: "string", default: "30" },
      tokens: { type: "string", default: "32" },
      "gap-ms": { type: "string", default: "5" },
      "cut-every": { type: "string", default: "20" },
      heap: { type: "boolean", default: false },
    },
  });
  const settings = {
    durationS: Number(values["duration-s"]),
    concurrency: Number(values.concurrency),
    warmupS: Number(values["warmup-s"]),
    tokens: Number(values.tokens),
    gapMs: Number(values["gap-ms"]),
    cutEvery: Number(values["cut-every"]),
  };
  const tokens = Array.from({ length: settings.tokens }, (_, i) => ` w${i}`);
  const expected = tokens.join("");
  const [a, b] = await Promise.all([startFakeBackend(), startFakeBackend()]);
  const ok = { kind: "ok" as const, tokens, gapMs: settings.gapMs };
  a.behave((i) =>
    settings.cutEvery > 0 && i % settings.cutEvery === settings.cutEvery - 1
      ? { kind: "fail-mid-stream", after: Math.floor(settings.tokens / 2), how: "cut", tokens }
      : ok,
  );
  b.behave(ok);
  const asService = (name: string, url: string): Service => ({
    name,
    url,
    logFile: "",
    stop: async () => {},
  });
  const apiKey = `sk-soak-${Date.now()}`;
  const inspectorPort = values.heap ? await freePort() : undefined;
  const edge = await startEdge({
    backends: new Map([
      [A, asService(A, a.url)],
      [B, asService(B, b.url)],
    ]),
    apiKey,
    rateLimitCapacity: 1_000_000_000,
    rateLimitRefillPerSecond: 1_000_000_000,
    name: "edge-soak",
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  const heap = inspectorPort ? await heapProbe(inspectorPort, `${edge.url}/health`) : null;
  const group = edge.pid as number;
  const machine = machineFacts();
  const loadStart = loadAverage();
  const startedAt = new Date().toISOString();
  const failures: Record<string, number> = {};
  const latencies: number[] = [];
  let done = 0;
  let failed = 0;
  let seq = 0;
  let continued = 0;
  const t0 = performance.now();
  const deadline = t0 + settings.durationS * 1000;
  const samples: SoakSample[] = [];
  const snapshotAt = new Set([60, 150]);
  const sample = async () => {
    const t = Math.round((performance.now() - t0) / 1000);
    const snap = (globalThis as { soakSnapshot?: (label: string) => Promise<void> }).soakSnapshot;
    for (const at of snapshotAt)
      if (snap && t >= at) {
        snapshotAt.delete(at);
        await snap(String(at));
      }
    const at = { t, rssMiB: groupRssMiB(group), done };
    samples.push(heap ? { ...at, heapMiB: await heap() } : at);
  };
  await sample();
  const sampler = setInterval(() => void sample(), Number(values["sample-s"]) * 1000);
  const cpuStart = groupCpuMs(group);

  const client = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      let reason: string | null = null;
      try {
        const res = await fetch(`${edge.url}/v1/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${apiKey}`,
            "content-type": "application/json",
            "x-switchyard-fallback": "true",
          },
          body: JSON.stringify({
            model: A,
            messages: [{ role: "user", content: `soak ${seq++}` }],
            max_tokens: settings.tokens,
            stream: true,
          }),
        });
        const text = await res.text();
        if (res.status !== 200) reason = `http_${res.status}`;
        else if (!text.includes("data: [DONE]")) reason = /"code":"([a-z_]+)"/.exec(text)?.[1] ?? "no_done";
        else {
          let content = "";
          for (const m of text.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)) content += JSON.parse(`"${m[1]}"`);
          if (content !== expected) reason = "wrong_text";
          else if (text.includes('"continued_after":"')) continued += 1;
        }
      } catch (error) {
        // undici puts the real reason (socket closed, reset, ...) in `cause`.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        reason = `network:${(error as Error).name}:${cause?.code ?? cause?.message ?? "?"}`;
      }
      done += 1;
      latencies.push(performance.now() - started);
      if (reason) {
        failed += 1;
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
      // The fakes keep what they received; the soak only needs the behaviour.
      if (a.received.length > 1000) a.received.splice(0, a.received.length - 10);
      if (b.received.length > 1000) b.received.splice(0, b.received.length - 10);
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, client));
  const elapsedS = (performance.now() - t0) / 1000;
  const cpuMs = groupCpuMs(group) - cpuStart;
  clearInterval(sampler);
  await sample();
  await sleep(Number(values["idle-s"]) * 1000);
  const idle = groupRssMiB(group);
  const loadEnd = loadAverage();
  await edge.stop();
  await Promise.all([a.close(), b.close()]);

  const afterWarmup = samples.find((s) => s.t >= settings.warmupS)?.rssMiB ?? samples[0]?.rssMiB ?? 0;
  const end = samples.at(-1)?.rssMiB ?? 0;
  const result: SoakResult = {
    kind: "soak",
    startedAt,
    machine,
    loadAverage: { start: loadStart, end: loadEnd },
    settings,
    requests: done,
    failed,
    failures,
    continued,
    throughputRps: Math.round((done / elapsedS) * 10) / 10,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
    workerdCpuMsPerRequest: Math.round((cpuMs / Math.max(1, done)) * 100) / 100,
    samples,
    rssMiB: {
      afterWarmup: Math.round(afterWarmup),
      end: Math.round(end),
      max: Math.round(Math.max(...samples.map((s) => s.rssMiB))),
      idle: Math.round(idle),
      growthPct: Math.round(((end - afterWarmup) / afterWarmup) * 1000) / 10,
    },
  };
  const file = soakResultFile(startedAt);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  spliceSoakSection(soakSection(result, file));
  console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
