import { readdirSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { backendThroughputSection, backendThroughputTargets } from "./backend-throughput.js";
import type { RunRecord } from "./bench.js";
import { BENCH_DIR, REPORT_FILE, RESULTS_DIR } from "./paths.js";
import type { BenchResults } from "./results.js";
import { coldStartSection, coldStartTargets } from "./scenarios/cold-start.js";
import { gatewayOverheadSection, overheadTargets } from "./scenarios/gateway-overhead.js";
import { latestSoakSection } from "./soak-report.js";
import { lineChart, type Series } from "./svg.js";

const f = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
const row = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
const errs = (r: RunRecord) => {
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
function added(
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

function writeSvg(name: string, svg: string): string {
  const file = join(RESULTS_DIR, name);
  writeFileSync(file, svg);
  return relative(BENCH_DIR, file);
}

/** Writes bench/report.md (and its SVG charts in bench/results/) from one results file. */
export function writeReport(results: BenchResults, resultsFile: string): void {
  const runs = results.runs;
  const m = results.machine;
  const out: string[] = [];
  const cs = [
    ...new Set(runs.filter((r) => r.group === "backend" || r.group === "gateway").map((r) => r.concurrency)),
  ].sort((a, b) => a - b);
  const mainModel = String(results.config.mainModel ?? "");
  out.push("# Switchyard benchmark report", "");
  out.push(
    `Generated from [\`${basename(resultsFile)}\`](results/${basename(resultsFile)}) — a **${results.mode}** run, ${results.startedAt} to ${results.finishedAt}.`,
    "",
  );
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; 1-minute load average ${f(m.loadAvgStart, 2)} at start, ${f(m.loadAvgEnd, 2)} at end; commit ${m.gitCommit ?? "?"}.`,
  );
  out.push(
    `Versions: ${Object.entries(m.versions)
      .map(([k, v]) => `${k} ${v ?? "(absent)"}`)
      .join(", ")}.`,
    "",
  );
  out.push(
    "> **Read the numbers with care.** This is a small VM whose CPUs are shared with other work (builds, tests), the",
    "> load generator, the gateways and the model servers all run on the same cores, and the models are the tiny",
    "> development stand-in stories260K (SWITCHYARD_DEV_STAND_IN) served under every production id, one llama.cpp thread",
    "> each. Absolute numbers say little about production hardware; the comparisons (same backend, same load, one",
    "> run, interleaved) are what this report is for, and differences of a few ms are within the noise.",
    "",
  );
  if (results.notes.length) out.push("Notes from this run:", "", ...results.notes.map((n) => `- ${n}`), "");

  // ---- targets
  const gw = runs.filter((r) => r.group === "gateway");
  const backendRuns = runs.filter((r) => r.group === "backend");
  out.push("## Targets", "");
  const checks: string[][] = [];
  if (results.overhead)
    for (const t of overheadTargets(results.overhead))
      checks.push([t.target, t.measured, t.met === null ? "–" : t.met ? "✅" : "❌"]);
  if (results.throughput)
    for (const t of backendThroughputTargets(results.throughput))
      checks.push([t.target, t.measured, t.met ? "✅" : "❌"]);
  if (results.coldStart)
    for (const t of coldStartTargets(results.coldStart))
      checks.push([t.target, t.measured, t.met === null ? "–" : t.met ? "✅" : "❌"]);
  for (const c of cs) {
    const edge = added(gw, "edge", c, "ttftMs");
    const floor = added(gw, "floor", c, "ttftMs");
    if (edge === null) continue;
    const peers = ["portkey", "litellm"]
      .map((p) => [p, added(gw, p, c, "ttftMs")] as const)
      .filter(([, v]) => v !== null);
    const nearFloor = floor !== null && edge - floor <= 5;
    const belowPeers = peers.length > 0 && peers.every(([, v]) => edge < (v as number));
    checks.push([
      `edge added TTFT p50 at c=${c}`,
      `${f(edge)} ms (floor ${f(floor)} ms${peers.map(([p, v]) => `, ${p} ${f(v)} ms`).join("")})`,
      `${nearFloor ? "✅" : "❌"} within 5 ms of floor; ${peers.length ? (belowPeers ? "✅ below" : "❌ not below") : "– no"} peers`,
    ]);
  }
  const hit = runs.filter((r) => r.group === "cache-hit" && r.concurrency === 1);
  const minBackendTtft = Math.min(
    ...backendRuns
      .filter((r) => r.concurrency === 1)
      .map((r) => r.summary.ttftMs.p50 ?? Number.POSITIVE_INFINITY),
  );
  for (const h of hit) {
    const hits = h.summary.cache.hit ?? 0;
    const lat = h.summary.latencyMs.p50;
    checks.push([
      `cache hit (${h.stream ? "stream" : "json"}) p50 total`,
      `${f(lat)} ms vs fastest backend TTFT p50 ${f(minBackendTtft)} ms; x-switchyard-cache hit on ${hits}/${h.summary.requests}`,
      lat !== null && lat < minBackendTtft && hits > 0 ? "✅ faster" : "❌",
    ]);
  }
  for (const model of [...new Set(backendRuns.map((r) => r.model))]) {
    const one = backendRuns.find((r) => r.model === model && r.concurrency === 1);
    const eight = backendRuns.find((r) => r.model === model && r.concurrency === 8);
    if (one && eight) {
      const ratio = eight.summary.aggregateTokensPerSec / (one.summary.aggregateTokensPerSec || 1);
      checks.push([
        `${model}: tokens/s at 8 vs 1 stream`,
        `${f(eight.summary.aggregateTokensPerSec, 0)} vs ${f(one.summary.aggregateTokensPerSec, 0)} (×${f(ratio, 2)})`,
        ratio >= 1.3 ? "✅ batching helps" : "❌ no clear gain",
      ]);
    }
  }
  const at32 = runs.filter((r) => r.concurrency === 32 && (r.group === "backend" || r.group === "gateway"));
  if (at32.length) {
    const bad = at32.filter((r) => r.summary.ok < r.summary.requests);
    checks.push([
      "errors at 32 streams",
      bad.length
        ? bad.map((r) => `${r.target}/${r.model}: ${errs(r)}`).join("; ")
        : `none in ${at32.reduce((n, r) => n + r.summary.requests, 0)} requests`,
      bad.length ? "❌" : "✅",
    ]);
  }
  out.push(checks.length ? table(["target", "measured", "verdict"], checks) : "No runs to check.", "");

  if (results.overhead) out.push(...gatewayOverheadSection(results.overhead));
  if (results.coldStart) out.push(...coldStartSection(results.coldStart));
  if (results.throughput) out.push(...backendThroughputSection(results.throughput));

  // ---- per model
  out.push("## Backends directly: per model and concurrency", "");
  out.push(
    `Streaming chat completions, medium prompt, max_tokens ${results.config.maxTokens}, closed loop (each of c workers sends its next request when the last one ends), warm-up excluded. Backends: ${JSON.stringify(results.config.backend)}.`,
    "",
  );
  const models = [...new Set(backendRuns.map((r) => r.model))];
  for (const model of models) {
    const rs = backendRuns.filter((r) => r.model === model).sort((a, b) => a.concurrency - b.concurrency);
    out.push(`### ${model}`, "");
    out.push(
      table(
        [
          "c",
          "ok/req",
          "errors",
          "latency p50 / p95 / p99 ms",
          "TTFT p50 / p95 / p99 ms",
          "per-stream tok/s p50",
          "aggregate tok/s",
          "req/s",
        ],
        rs.map((r) => [
          r.concurrency,
          `${r.summary.ok}/${r.summary.requests}`,
          errs(r),
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)} / ${f(r.summary.latencyMs.p99)}`,
          `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)} / ${f(r.summary.ttftMs.p99)}`,
          f(r.summary.streamTokensPerSec.p50, 0),
          f(r.summary.aggregateTokensPerSec, 0),
          f(r.summary.requestsPerSec, 1),
        ]),
      ),
      "",
    );
    const sat = saturationPoint(
      rs.map((r) => ({ concurrency: r.concurrency, tokensPerSec: r.summary.aggregateTokensPerSec })),
    );
    if (sat)
      out.push(
        `Throughput saturates at **c=${sat.concurrency}** (${f(sat.tokensPerSec, 0)} tok/s): beyond it, more concurrency adds less than 10% and only queues (latency grows).`,
        "",
      );
  }
  if (models.length && cs.length > 1) {
    const tp = writeSvg(
      "backend-throughput.svg",
      lineChart({
        title: "Backend aggregate tokens/s",
        xLabel: "concurrent streams",
        yLabel: "tokens/s",
        x: cs,
        series: models.map((model) => ({
          name: model,
          values: cs.map(
            (c) =>
              backendRuns.find((r) => r.model === model && r.concurrency === c)?.summary
                .aggregateTokensPerSec ?? null,
          ),
        })),
      }),
    );
    const lt = writeSvg(
      "backend-latency.svg",
      lineChart({
        title: `${mainModel}: latency percentiles`,
        xLabel: "concurrent streams",
        yLabel: "ms",
        x: cs,
        series: (["p50", "p95", "p99"] as const).flatMap((p) => [
          {
            name: `total ${p}`,
            values: cs.map(
              (c) =>
                backendRuns.find((r) => r.model === mainModel && r.concurrency === c)?.summary.latencyMs[p] ??
                null,
            ),
          },
          {
            name: `TTFT ${p}`,
            values: cs.map(
              (c) =>
                backendRuns.find((r) => r.model === mainModel && r.concurrency === c)?.summary.ttftMs[p] ??
                null,
            ),
          },
        ]),
      }),
    );
    out.push(`![aggregate tokens/s](${tp})`, "", `![latency](${lt})`, "");
  }

  const other = runs.filter((r) => r.group === "prompt-size" || r.group === "non-streaming");
  if (other.length) {
    out.push("### Prompt size and non-streaming", "");
    out.push(
      table(
        [
          "target",
          "model",
          "c",
          "prompt",
          "mode",
          "ok/req",
          "latency p50 / p99 ms",
          "TTFT p50 ms",
          "aggregate tok/s",
        ],
        other.map((r) => [
          r.target,
          r.model,
          r.concurrency,
          r.prompt,
          r.stream ? "SSE" : "JSON",
          `${r.summary.ok}/${r.summary.requests}`,
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p99)}`,
          f(r.summary.ttftMs.p50),
          f(r.summary.aggregateTokensPerSec, 0),
        ]),
      ),
      "",
    );
  }
  const open = runs.filter((r) => r.group === "open-loop");
  if (open.length) {
    out.push(
      "### Open loop (Poisson arrivals)",
      "",
      "Requests arrive at a fixed mean rate whatever the server does, so queueing shows up in latency instead of being hidden by a slower client.",
      "",
    );
    out.push(
      table(
        [
          "target",
          "model",
          "offered req/s",
          "achieved req/s",
          "ok/req",
          "dropped",
          "latency p50 / p95 / p99 ms",
          "TTFT p50 / p99 ms",
        ],
        open.map((r) => [
          r.target,
          r.model,
          f(r.ratePerSec),
          f(r.summary.requestsPerSec),
          `${r.summary.ok}/${r.summary.requests}`,
          r.dropped ?? 0,
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)} / ${f(r.summary.latencyMs.p99)}`,
          `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p99)}`,
        ]),
      ),
      "",
    );
  }

  // ---- gateways
  out.push("## Edge overhead and peers, side by side", "");
  if (!gw.length) out.push("No gateway runs.", "");
  else {
    out.push(
      `All targets proxy to the same backend (${mainModel}), with the same load, unique prompts (no cache anywhere; the edge also gets \`Cache-Control: no-cache\`), streaming, interleaved per concurrency level${Number(results.config.rounds) > 1 ? ` over ${results.config.rounds} rounds with rotating order` : ""}. "Added" is the target's p50 minus the direct backend's p50 at the same concurrency. **floor** is a trivial pass-through worker on the same workerd as the edge (bench/floor-worker), so *edge − floor* is the gateway's own cost.`,
      "",
    );
    const targets = [...new Set(gw.map((r) => r.target))];
    for (const c of cs) {
      const rs = targets
        .map((t) => gw.find((r) => r.target === t && r.concurrency === c))
        .filter((r): r is RunRecord => r !== undefined);
      if (!rs.length) continue;
      out.push(`### c = ${c}`, "");
      out.push(
        table(
          [
            "target",
            "ok/req",
            "errors",
            "TTFT p50 / p95 ms",
            "total p50 / p95 ms",
            "added TTFT p50 ms",
            "added total p50 ms",
            "aggregate tok/s",
            "req/s",
          ],
          rs.map((r) => [
            r.target,
            `${r.summary.ok}/${r.summary.requests}`,
            errs(r),
            `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)}`,
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)}`,
            r.target === "direct" ? "–" : f(added(gw, r.target, c, "ttftMs")),
            r.target === "direct" ? "–" : f(added(gw, r.target, c, "latencyMs")),
            f(r.summary.aggregateTokensPerSec, 0),
            f(r.summary.requestsPerSec),
          ]),
        ),
        "",
      );
    }
    const peers = targets.filter((t) => t === "portkey" || t === "litellm");
    if (peers.length && targets.includes("edge")) {
      out.push(
        "### Ratios to Switchyard's edge",
        "",
        "Added latency of the peer divided by the edge's (above 1: the peer adds more), and the peer's aggregate tokens/s divided by the edge's. A ratio is blank when the edge's added latency is at or below zero (within noise).",
        "",
      );
      const head = [
        "c",
        ...peers.flatMap((p) => [`${p} added TTFT ÷ edge`, `${p} added total ÷ edge`, `${p} tok/s ÷ edge`]),
      ];
      out.push(
        table(
          head,
          cs.map((c) => {
            const eT = added(gw, "edge", c, "ttftMs");
            const eL = added(gw, "edge", c, "latencyMs");
            const eTp =
              gw.find((r) => r.target === "edge" && r.concurrency === c)?.summary.aggregateTokensPerSec ??
              null;
            return [
              c,
              ...peers.flatMap((p) => {
                const pT = added(gw, p, c, "ttftMs");
                const pL = added(gw, p, c, "latencyMs");
                const pTp =
                  gw.find((r) => r.target === p && r.concurrency === c)?.summary.aggregateTokensPerSec ??
                  null;
                return [
                  eT !== null && pT !== null && eT > 0 ? `×${f(pT / eT, 2)}` : "–",
                  eL !== null && pL !== null && eL > 0 ? `×${f(pL / eL, 2)}` : "–",
                  eTp && pTp !== null ? `×${f(pTp / eTp, 2)}` : "–",
                ];
              }),
            ];
          }),
        ),
        "",
      );
    }
    const addedSeries: Series[] = targets
      .filter((t) => t !== "direct")
      .map((t) => ({ name: t, values: cs.map((c) => added(gw, t, c, "ttftMs")) }));
    const a = writeSvg(
      "gateway-added-ttft.svg",
      lineChart({
        title: "Added TTFT p50 over the direct backend",
        xLabel: "concurrent streams",
        yLabel: "ms",
        x: cs,
        series: addedSeries,
        allowNegative: true,
      }),
    );
    const t = writeSvg(
      "gateway-throughput.svg",
      lineChart({
        title: "Aggregate tokens/s through each gateway",
        xLabel: "concurrent streams",
        yLabel: "tokens/s",
        x: cs,
        series: targets.map((tg) => ({
          name: tg,
          values: cs.map(
            (c) =>
              gw.find((r) => r.target === tg && r.concurrency === c)?.summary.aggregateTokensPerSec ?? null,
          ),
        })),
      }),
    );
    out.push(`![added TTFT](${a})`, "", `![throughput through gateways](${t})`, "");
  }
  const fixed = runs.filter((r) => r.group === "floor-fixed");
  if (fixed.length) {
    out.push(
      "### Platform floor alone (fixed reply, no backend)",
      "",
      "What workerd costs per request when the worker does nothing but answer a fixed 16-token SSE reply.",
      "",
    );
    out.push(
      table(
        ["c", "ok/req", "TTFT p50 / p95 ms", "total p50 / p99 ms", "req/s"],
        fixed.map((r) => [
          r.concurrency,
          `${r.summary.ok}/${r.summary.requests}`,
          `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)}`,
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p99)}`,
          f(r.summary.requestsPerSec),
        ]),
      ),
      "",
    );
  }

  // ---- cache, rate limit, router
  const cacheRuns = runs.filter((r) => r.group === "cache-hit");
  if (cacheRuns.length) {
    out.push(
      "## Edge cache hits",
      "",
      "The same prompt repeated after one priming request (no `Cache-Control: no-cache`). `x-switchyard-cache` counts show whether the edge really answered from cache.",
      "",
    );
    out.push(
      table(
        ["mode", "c", "ok/req", "x-switchyard-cache", "TTFT p50 ms", "total p50 / p99 ms", "req/s"],
        cacheRuns.map((r) => [
          r.stream ? "SSE" : "JSON",
          r.concurrency,
          `${r.summary.ok}/${r.summary.requests}`,
          Object.entries(r.summary.cache)
            .map(([k, v]) => `${k}: ${v}`)
            .join(", ") || "(no header)",
          f(r.summary.ttftMs.p50),
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p99)}`,
          f(r.summary.requestsPerSec),
        ]),
      ),
      "",
    );
  }
  const limited = runs.filter((r) => r.group === "rate-limit");
  if (limited.length) {
    out.push(
      "## Rate limiting",
      "",
      "A second edge whose token bucket holds 5 requests and refills 1 per second; 8 concurrent clients on one key.",
      "",
    );
    out.push(
      table(
        ["c", "requests", "answered", "429", "other errors", "429 latency p50 / p99 ms"],
        limited.map((r) => [
          r.concurrency,
          r.summary.requests,
          r.summary.ok,
          r.summary.errors.http_429 ?? 0,
          r.summary.requests - r.summary.ok - (r.summary.errors.http_429 ?? 0),
          `${f(r.rejectedLatencyMs?.p50)} / ${f(r.rejectedLatencyMs?.p99)}`,
        ]),
      ),
      "",
    );
  }
  const routerRuns = runs.filter((r) => r.group === "router");
  if (routerRuns.length) {
    out.push("## The router (`auto`) versus fixed models, through the edge", "");
    out.push(
      table(
        ["model asked", "c", "ok/req", "served by", "TTFT p50 ms", "total p50 / p95 ms", "aggregate tok/s"],
        routerRuns.map((r) => [
          r.model,
          r.concurrency,
          `${r.summary.ok}/${r.summary.requests}`,
          Object.entries(r.servedModels ?? {})
            .map(([k, v]) => `${k} ×${v}`)
            .join(", ") || "?",
          f(r.summary.ttftMs.p50),
          `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)}`,
          f(r.summary.aggregateTokensPerSec, 0),
        ]),
      ),
      "",
    );
  }
  out.push("## Router accuracy (offline, test split)", "");
  if (results.router.available) {
    out.push(`From \`${results.router.command}\`:`, "");
    out.push(...renderRouterEval(results.router.output), "");
  } else out.push(`Not measured in this run: ${results.router.reason}.`, "");

  // ---- reproduce
  // The soak runs on its own (npm run soak -w bench); its newest figures stay in the report.
  const soak = latestSoakSection();
  if (soak) out.push(soak, "");
  out.push(
    "## How to reproduce",
    "",
    "```sh",
    "npm ci",
    "bash bench/peers/portkey.sh install    # optional peer (npm, into the bench workspace)",
    "bash bench/peers/litellm.sh install    # optional peer (PyPI, into bench/.venv)",
    "npm run bench -- --quick               # a minute or two; or `npm run bench` for every level and model",
    "npm run -s report -w bench             # regenerate this report from the newest results file",
    "```",
    "",
    "The bench starts everything itself on free ports: one backend per roster id (dev stand-ins, `SWITCHYARD_DEV=1`, 1 thread, 8 parallel sequences), the edge bundled by wrangler and run on workerd itself (a generated workerd config, bench/src/workerd/), with generated credentials, the floor worker on workerd, and the peers if installed; it stops them all at the end. Logs go to `bench/.run/logs/`.",
    "",
    "## Raw results",
    "",
    ...readdirSync(RESULTS_DIR)
      .filter((n) => n.endsWith(".json"))
      .sort()
      .reverse()
      .map((n) => `- [results/${n}](results/${n})`),
    "",
  );
  writeFileSync(REPORT_FILE, out.join("\n"));
}

/** Renders the router's evaluate JSON: numeric leaves as a table, anything else as JSON. */
function renderRouterEval(output: unknown): string[] {
  const rows: Array<[string, string]> = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === "number") rows.push([path, Number.isInteger(v) ? String(v) : v.toFixed(4)]);
    else if (typeof v === "string" || typeof v === "boolean") rows.push([path, String(v)]);
    else if (v && typeof v === "object" && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(output, "");
  if (rows.length && rows.length <= 80) return [table(["metric", "value"], rows)];
  return ["```json", JSON.stringify(output, null, 2).slice(0, 6000), "```"];
}
