/**
 * Gateway overhead: what each gateway costs on its own, in front of a zero-CPU fake upstream
 * (fixed time to first token, fixed gap between chunks), so that only the gateways spend CPU.
 * Systems: the upstream directly, the pass-through floor worker on workerd, the Switchyard edge
 * on workerd, Portkey's gateway (Node) and LiteLLM's proxy (Python), plus, labelled as extras,
 * the floor and the edge under `wrangler dev`. Streaming chat completions, closed loop,
 * interleaved rounds with a rotating order per concurrency level; CPU time per request from
 * /proc for every process of each system, beside added TTFT and req/s.
 */
import { startFakeBackend } from "../../../edge/test/support/fake-backend.js";
import { cpuByGroup, cpuDelta, selfCpuMs } from "../cpu.js";
import { nonceFor, promptFor } from "../prompts.js";
import { type Sample, sendChat, type Target } from "../request.js";
import { runLoad } from "../runner.js";
import type { Service } from "../services.js";
import {
  litellmInstalled,
  newApiKey,
  portkeyInstalled,
  startEdge,
  startEdgeWranglerDev,
  startFloor,
  startFloorWranglerDev,
  startLitellm,
  startPortkey,
} from "../stack.js";
import { percentile } from "../stats.js";
import { f, table } from "./markdown.js";

export interface OverheadPlan {
  model: string;
  concurrencies: number[];
  rounds: number;
  /** Measured requests per round at concurrency c. */
  requestsAt(c: number): number;
  /**
   * Requests each system serves at concurrency 8 once started, before anything is measured:
   * its JIT's steady state (a gateway serves millions), not its first few hundred requests.
   */
  warmupRequests: number;
  upstream: { firstTokenMs: number; chunks: number; gapMs: number };
  /** Also measure the floor and the edge under `wrangler dev` (extra rows). */
  wranglerDev: boolean;
  peers: boolean;
  /** Measure only these systems (besides the upstream directly); all when absent. */
  systems?: string[];
}

/** One system at one concurrency, pooled over rounds. */
export interface OverheadRow {
  system: string;
  concurrency: number;
  requests: number;
  ok: number;
  errors: number;
  ttftMs: { p50: number | null; p95: number | null };
  totalMs: { p50: number | null; p95: number | null };
  /** p50 TTFT minus the upstream's own p50 TTFT at the same concurrency (same run). */
  addedTtftMs: number | null;
  requestsPerSec: number;
  /** CPU ms per request by executable of the system's processes (warm-up excluded). */
  cpuMsPerRequest: Record<string, number>;
  cpuMsPerRequestTotal: number;
  /** The load generator's own CPU ms per request (it also runs the fake upstream). */
  loadgenCpuMsPerRequest: number;
}

export interface OverheadResults {
  upstream: OverheadPlan["upstream"];
  model: string;
  rounds: number;
  requestsAt: Record<number, number>;
  /** Requests each system served at c=8 before any measurement (absent in older results). */
  warmupRequests?: number;
  /** Systems in display order with a short description; `extra` rows are not the production runtime. */
  systems: Array<{ name: string; label: string; extra: boolean }>;
  rows: OverheadRow[];
  notes: string[];
}

interface System {
  name: string;
  label: string;
  extra: boolean;
  service?: Service;
  target: Target;
}

type Log = (line: string) => void;

const SYSTEM_LABELS: Record<string, string> = {
  direct: "fake upstream directly",
  floor: "pass-through worker on workerd (the floor)",
  edge: "Switchyard edge on workerd (its bundle, a workerd config)",
  portkey: "Portkey gateway (Node)",
  litellm: "LiteLLM proxy (1 worker)",
  "floor-wrangler-dev": "pass-through worker under `wrangler dev` (extra)",
  "edge-wrangler-dev": "Switchyard edge under `wrangler dev` (extra)",
};

async function startSystems(plan: OverheadPlan, upstream: string, log: Log, notes: string[]) {
  const apiKey = newApiKey();
  const litellmKey = newApiKey();
  const upstreamService: Service = { name: "upstream", url: upstream, logFile: "", stop: async () => {} };
  const edgeOpts = {
    backends: new Map([[plan.model, upstreamService]]),
    apiKey,
    rateLimitCapacity: 1e9,
    rateLimitRefillPerSecond: 1e9,
  };
  const edgeHeaders = { authorization: `Bearer ${apiKey}`, "cache-control": "no-cache" };
  const systems: System[] = [
    {
      name: "direct",
      label: SYSTEM_LABELS.direct as string,
      extra: false,
      target: target("direct", `${upstream}/v1`),
    },
  ];
  const starters: Array<[string, () => Promise<Omit<System, "label" | "extra" | "name">>]> = [
    [
      "floor",
      async () => withService(await startFloor(upstream), (s) => target("floor", `${s.url}/proxy/v1`)),
    ],
    [
      "edge",
      async () =>
        withService(await startEdge({ ...edgeOpts, name: "edge" }), (s) =>
          target("edge", `${s.url}/v1`, edgeHeaders),
        ),
    ],
  ];
  if (plan.peers) {
    if (portkeyInstalled())
      starters.push([
        "portkey",
        async () =>
          withService(await startPortkey(), (s) =>
            target("portkey", `${s.url}/v1`, {
              "x-portkey-provider": "openai",
              "x-portkey-custom-host": `${upstream}/v1`,
              authorization: "Bearer unused",
            }),
          ),
      ]);
    else notes.push("Portkey not installed (`npm ci` installs it as an optional dependency of bench)");
    if (litellmInstalled())
      starters.push([
        "litellm",
        async () =>
          withService(await startLitellm(upstreamService, plan.model, litellmKey), (s) =>
            target("litellm", `${s.url}/v1`, { authorization: `Bearer ${litellmKey}` }),
          ),
      ]);
    else notes.push("LiteLLM not installed: run `bash bench/peers/litellm.sh install`");
  }
  if (plan.wranglerDev)
    starters.push(
      [
        "floor-wrangler-dev",
        async () =>
          withService(await startFloorWranglerDev(upstream), (s) =>
            target("floor-wrangler-dev", `${s.url}/proxy/v1`),
          ),
      ],
      [
        "edge-wrangler-dev",
        async () =>
          withService(await startEdgeWranglerDev({ ...edgeOpts, name: "edge-wrangler-dev" }), (s) =>
            target("edge-wrangler-dev", `${s.url}/v1`, edgeHeaders),
          ),
      ],
    );
  // One at a time: on a 2-core machine parallel starts (bundling, Python imports) time out.
  for (const [name, start] of starters) {
    if (plan.systems && !plan.systems.includes(name)) continue;
    try {
      const started = await start();
      systems.push({
        name,
        label: SYSTEM_LABELS[name] ?? name,
        extra: name.endsWith("wrangler-dev"),
        ...started,
      });
      log(`  gateway-overhead: ${name} on ${started.service?.url}`);
    } catch (error) {
      notes.push(`${name} failed to start: ${String((error as Error).message ?? error).split("\n")[0]}`);
    }
  }
  return systems;
}

function target(name: string, baseUrl: string, headers: Record<string, string> = {}): Target {
  return { name, baseUrl, headers };
}

function withService(service: Service, t: (s: Service) => Target) {
  return { service, target: t(service) };
}

/** Runs the gateway-overhead scenario; starts and stops everything it needs. */
export async function runGatewayOverhead(plan: OverheadPlan, log: Log): Promise<OverheadResults> {
  const notes: string[] = [];
  const upstream = await startFakeBackend();
  const tokens = Array.from({ length: plan.upstream.chunks }, () => " tok");
  upstream.behave({
    kind: "ok",
    tokens,
    firstTokenDelayMs: plan.upstream.firstTokenMs,
    gapMs: plan.upstream.gapMs,
  });
  const systems = await startSystems(plan, upstream.url, log, notes);
  const groups = Object.fromEntries(
    systems.flatMap((s) => (s.service?.pid !== undefined ? [[s.name, s.service.pid]] : [])),
  );
  const runId = Date.now().toString(36);
  let counter = 0;
  const send = (t: Target) => (_i: number, zero: number) =>
    sendChat(
      t,
      {
        model: plan.model,
        prompt: promptFor("medium", nonceFor(runId, counter++)),
        maxTokens: plan.upstream.chunks + 8,
        stream: true,
        timeoutMs: 60_000,
      },
      zero,
    );
  const samples = new Map<string, Sample[][]>();
  const cpu = new Map<string, { ms: Record<string, number>; loadgen: number; requests: number }>();
  try {
    for (const s of systems)
      await runLoad(
        { mode: "closed", concurrency: 8, requests: plan.warmupRequests, warmup: 0 },
        send(s.target),
      );
    for (const c of plan.concurrencies) {
      for (let round = 0; round < plan.rounds; round++) {
        const order = systems.map((_, i) => systems[(i + round) % systems.length] as System);
        for (const s of order) {
          // A few more outside the CPU window: this concurrency's connection pools.
          await runLoad(
            { mode: "closed", concurrency: c, requests: Math.min(c * 2, 32), warmup: 0 },
            send(s.target),
          );
          upstream.reset();
          upstream.behave({
            kind: "ok",
            tokens,
            firstTokenDelayMs: plan.upstream.firstTokenMs,
            gapMs: plan.upstream.gapMs,
          });
          const before = cpuByGroup(groups);
          const loadgenBefore = selfCpuMs();
          const res = await runLoad(
            { mode: "closed", concurrency: c, requests: plan.requestsAt(c), warmup: 0 },
            send(s.target),
          );
          const used = cpuDelta(before, cpuByGroup(groups))[s.name] ?? {};
          const key = `${s.name}@${c}`;
          const acc = cpu.get(key) ?? { ms: {}, loadgen: 0, requests: 0 };
          for (const [kind, ms] of Object.entries(used)) acc.ms[kind] = (acc.ms[kind] ?? 0) + ms;
          acc.loadgen += selfCpuMs() - loadgenBefore;
          acc.requests += res.samples.length;
          cpu.set(key, acc);
          samples.set(key, [...(samples.get(key) ?? []), res.samples]);
          log(
            `  gateway-overhead c=${c} round ${round + 1}/${plan.rounds} ${s.name}: ok ${res.summary.ok}/${res.summary.requests}, TTFT p50 ${f(res.summary.ttftMs.p50)} ms, ${f(res.summary.requestsPerSec)} req/s`,
          );
        }
      }
    }
  } finally {
    await Promise.all(systems.map((s) => s.service?.stop()));
    await upstream.close();
  }
  const rows: OverheadRow[] = [];
  for (const c of plan.concurrencies) {
    const directTtft = pooled(samples.get(`direct@${c}`) ?? [], (s) => s.ttftMs);
    for (const s of systems) {
      const rounds = samples.get(`${s.name}@${c}`);
      const used = cpu.get(`${s.name}@${c}`);
      if (!rounds || !used) continue;
      const all = rounds.flat();
      const ok = all.filter((x) => x.ok);
      const ttft = ok.map((x) => x.ttftMs ?? Number.NaN);
      const total = ok.map((x) => x.latencyMs);
      const windowMs = rounds.reduce((sum, r) => sum + windowOf(r), 0);
      const perRequest = Object.fromEntries(
        Object.entries(used.ms).map(([kind, ms]) => [kind, round2(ms / Math.max(1, used.requests))]),
      );
      const p50 = percentile(ttft, 50);
      rows.push({
        system: s.name,
        concurrency: c,
        requests: all.length,
        ok: ok.length,
        errors: all.length - ok.length,
        ttftMs: { p50, p95: percentile(ttft, 95) },
        totalMs: { p50: percentile(total, 50), p95: percentile(total, 95) },
        addedTtftMs:
          s.name === "direct" || p50 === null || directTtft === null ? null : round2(p50 - directTtft),
        requestsPerSec: windowMs > 0 ? round2((ok.length * 1000) / windowMs) : 0,
        cpuMsPerRequest: perRequest,
        cpuMsPerRequestTotal: round2(
          Object.values(used.ms).reduce((a, b) => a + b, 0) / Math.max(1, used.requests),
        ),
        loadgenCpuMsPerRequest: round2(used.loadgen / Math.max(1, used.requests)),
      });
    }
  }
  return {
    upstream: plan.upstream,
    model: plan.model,
    rounds: plan.rounds,
    requestsAt: Object.fromEntries(plan.concurrencies.map((c) => [c, plan.requestsAt(c)])),
    warmupRequests: plan.warmupRequests,
    systems: systems.map((s) => ({ name: s.name, label: s.label, extra: s.extra })),
    rows,
    notes,
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function pooled(rounds: Sample[][], pick: (s: Sample) => number | null): number | null {
  return percentile(
    rounds.flat().flatMap((s) => (s.ok ? [pick(s) ?? Number.NaN] : [])),
    50,
  );
}

function windowOf(samples: Sample[]): number {
  if (!samples.length) return 0;
  const start = Math.min(...samples.map((s) => s.startMs));
  const end = Math.max(...samples.map((s) => s.startMs + s.latencyMs));
  return end - start;
}

/** What the targets section reads: the edge against Portkey and the floor at each concurrency. */
export interface OverheadTargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

export function overheadTargets(r: OverheadResults): OverheadTargetCheck[] {
  const at = (system: string, c: number) => r.rows.find((x) => x.system === system && x.concurrency === c);
  const checks: OverheadTargetCheck[] = [];
  const cs = [...new Set(r.rows.map((x) => x.concurrency))];
  for (const c of cs) {
    const edge = at("edge", c);
    const floor = at("floor", c);
    const portkey = at("portkey", c);
    if (!edge) continue;
    if (portkey)
      checks.push({
        target: `CPU per request ≤ ½ Portkey's (c=${c})`,
        measured: `edge ${f(edge.cpuMsPerRequestTotal, 2)} ms vs Portkey ${f(portkey.cpuMsPerRequestTotal, 2)} ms (×${f(edge.cpuMsPerRequestTotal / portkey.cpuMsPerRequestTotal, 2)})`,
        met: edge.cpuMsPerRequestTotal <= portkey.cpuMsPerRequestTotal / 2,
      });
    if (floor)
      checks.push({
        target: `CPU per request within 1.5 ms of the floor (c=${c})`,
        measured: `edge ${f(edge.cpuMsPerRequestTotal, 2)} ms vs floor ${f(floor.cpuMsPerRequestTotal, 2)} ms (+${f(edge.cpuMsPerRequestTotal - floor.cpuMsPerRequestTotal, 2)})`,
        met: edge.cpuMsPerRequestTotal - floor.cpuMsPerRequestTotal <= 1.5,
      });
    if (portkey && edge.addedTtftMs !== null && portkey.addedTtftMs !== null)
      checks.push({
        target: `added TTFT p50 ≤ ½ Portkey's (c=${c})`,
        measured: `edge ${f(edge.addedTtftMs)} ms vs Portkey ${f(portkey.addedTtftMs)} ms`,
        met: edge.addedTtftMs <= portkey.addedTtftMs / 2,
      });
  }
  const maxC = Math.max(...cs);
  const edge = at("edge", maxC);
  const floor = at("floor", maxC);
  if (edge && floor)
    checks.push({
      target: `req/s at c=${maxC} ≥ 90% of the floor's`,
      measured: `edge ${f(edge.requestsPerSec)} vs floor ${f(floor.requestsPerSec)} (${f((edge.requestsPerSec / floor.requestsPerSec) * 100, 0)}%)`,
      met: edge.requestsPerSec >= 0.9 * floor.requestsPerSec,
    });
  return checks;
}

/** The report section: the table of the issue (CPU, added TTFT, req/s), the process split and the ratios. */
export function gatewayOverheadSection(r: OverheadResults): string[] {
  const out: string[] = [];
  const cs = [...new Set(r.rows.map((x) => x.concurrency))].sort((a, b) => a - b);
  const at = (system: string, c: number) => r.rows.find((x) => x.system === system && x.concurrency === c);
  const per = (system: string, pick: (row: OverheadRow) => number | null, d = 1) =>
    cs
      .map((c) => {
        const row = at(system, c);
        return row ? f(pick(row), d) : "–";
      })
      .join(" / ");
  out.push("## Gateway overhead on a zero-CPU upstream", "");
  out.push(
    `Every system proxies streaming chat completions to the same fake upstream (${r.upstream.firstTokenMs} ms to the first token, then ${r.upstream.chunks} chunks ${r.upstream.gapMs} ms apart; a node:http server in the load generator that does nothing else), so only the gateways spend CPU. Closed loop at each concurrency, ${r.rounds} interleaved rounds with a rotating order, ${Object.entries(
      r.requestsAt,
    )
      .map(([c, n]) => `${n} requests per round at c=${c}`)
      .join(
        ", ",
      )}, after an unmeasured warm-up${r.warmupRequests ? ` (first ${r.warmupRequests} requests at c=8 per system, for every JIT's steady state, then a few at each concurrency)` : ""}. **CPU** is user+system time from /proc of every process of the system (process group), per request. **Added TTFT** is the system's p50 time to first token minus the upstream's own p50 at the same concurrency. The edge runs with its production request path (API-key auth, rate limit, cache lookup bypassed by \`Cache-Control: no-cache\`, routing, streaming proxy, metrics, JSON request log) and in-memory state stores.`,
    "",
  );
  if (r.notes.length) out.push(...r.notes.map((n) => `- ${n}`), "");
  const c = cs.join(" / ");
  out.push(
    table(
      ["system", `CPU ms/request c=${c}`, `added TTFT p50 ms c=${c}`, `req/s c=${c}`, "errors"],
      r.systems
        .filter((s) => s.name !== "direct")
        .map((s) => [
          s.extra ? s.label : `**${s.label}**`,
          per(s.name, (x) => x.cpuMsPerRequestTotal, 2),
          per(s.name, (x) => x.addedTtftMs),
          per(s.name, (x) => x.requestsPerSec, 0),
          String(r.rows.filter((x) => x.system === s.name).reduce((n, x) => n + x.errors, 0)),
        ]),
    ),
    "",
  );
  out.push(
    `The upstream alone: TTFT p50 ${per("direct", (x) => x.ttftMs.p50)} ms, ${per("direct", (x) => x.requestsPerSec, 0)} req/s; the load generator spent ${per("direct", (x) => x.loadgenCpuMsPerRequest, 2)} CPU ms per request on it (client + upstream).`,
    "",
  );
  out.push("### CPU per request by process", "");
  out.push(
    table(
      ["system", "c", "CPU ms/request by executable", "TTFT p50 / p95 ms", "total p50 / p95 ms"],
      r.rows
        .filter((x) => x.system !== "direct")
        .map((x) => [
          x.system,
          x.concurrency,
          Object.entries(x.cpuMsPerRequest)
            .map(([k, v]) => `${k} ${f(v, 2)}`)
            .join(", ") || "–",
          `${f(x.ttftMs.p50)} / ${f(x.ttftMs.p95)}`,
          `${f(x.totalMs.p50)} / ${f(x.totalMs.p95)}`,
        ]),
    ),
    "",
  );
  const peers = ["floor", "portkey", "litellm", "edge-wrangler-dev"].filter((p) =>
    r.rows.some((x) => x.system === p),
  );
  if (r.rows.some((x) => x.system === "edge") && peers.length) {
    out.push(
      "### Ratios: the edge on workerd against the floor and the peers",
      "",
      "Edge ÷ other for CPU per request (below 1: the edge is cheaper) and for added TTFT p50; other ÷ edge would be the peer's multiple. Added TTFT ratios are blank when the other's added TTFT is at or below zero (within noise).",
      "",
    );
    out.push(
      table(
        ["c", ...peers.flatMap((p) => [`CPU edge ÷ ${p}`, `added TTFT edge ÷ ${p}`, `req/s edge ÷ ${p}`])],
        cs.map((cc) => {
          const e = at("edge", cc);
          return [
            cc,
            ...peers.flatMap((p) => {
              const o = at(p, cc);
              if (!e || !o) return ["–", "–", "–"];
              return [
                o.cpuMsPerRequestTotal > 0
                  ? `×${f(e.cpuMsPerRequestTotal / o.cpuMsPerRequestTotal, 2)}`
                  : "–",
                e.addedTtftMs !== null && o.addedTtftMs !== null && o.addedTtftMs > 0
                  ? `×${f(e.addedTtftMs / o.addedTtftMs, 2)}`
                  : "–",
                o.requestsPerSec > 0 ? `×${f(e.requestsPerSec / o.requestsPerSec, 2)}` : "–",
              ];
            }),
          ];
        }),
      ),
      "",
    );
  }
  return out;
}
