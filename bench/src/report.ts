import { readdirSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { backendThroughputSection, backendThroughputTargets } from "./backend-throughput.js";
import { SCENARIOS } from "./bench.js";
import { REPORT_FILE, RESULTS_DIR } from "./paths.js";
import type { BenchResults } from "./results.js";
import { backendsScenario } from "./scenarios/backends.js";
import { cacheHitScenario } from "./scenarios/cache-hit.js";
import { coldStartSection, coldStartTargets } from "./scenarios/cold-start.js";
import { gatewayScenario } from "./scenarios/gateway.js";
import { gatewayOverheadSection, overheadTargets } from "./scenarios/gateway-overhead.js";
import { f, table } from "./scenarios/markdown.js";
import { rateLimitScenario } from "./scenarios/rate-limit.js";
import { routerScenario } from "./scenarios/router.js";
import { latestSoakSection } from "./soak-report.js";
import { latestStreamCostSection } from "./stream-cost-report.js";

/** The real-backend scenarios' targets, in the order the report has always listed them. */
const TARGET_ORDER = [gatewayScenario, cacheHitScenario, backendsScenario];
/** Sections: as the scenarios run, except that rate limiting sits beside the cache, before the router. */
const SECTION_ORDER = [
  ...SCENARIOS.filter((s) => s !== routerScenario && s !== rateLimitScenario),
  rateLimitScenario,
  routerScenario,
];

/** Writes bench/report.md (and its SVG charts in bench/results/) from one results file. */
export function writeReport(results: BenchResults, resultsFile: string): void {
  const m = results.machine;
  const out: string[] = [];
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

  // ---- targets: the fake-upstream scenarios first (the issue's targets), then each scenario's own
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
  for (const scenario of TARGET_ORDER) checks.push(...scenario.targets(results));
  const decision = routerDecisionMs(results);
  if (decision !== null)
    checks.push([
      "router decision p50 ≤ 0.2 ms (warm; features, ONNX inference and rule, in Node on the worker's code and wasm)",
      `${decision.toFixed(3)} ms`,
      decision <= 0.2 ? "✅" : "❌",
    ]);
  out.push(checks.length ? table(["target", "measured", "verdict"], checks) : "No runs to check.", "");

  if (results.overhead) out.push(...gatewayOverheadSection(results.overhead));
  out.push(...(latestStreamCostSection() ?? []));
  if (results.coldStart) out.push(...coldStartSection(results.coldStart));
  if (results.throughput) out.push(...backendThroughputSection(results.throughput));
  for (const scenario of SECTION_ORDER) out.push(...scenario.section(results));

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
    "npm run stream-cost -w bench           # what streaming costs a worker on workerd (its own section)",
    "npm run soak -w bench -- --duration-s 600   # memory and errors over 10 minutes (the soak section)",
    "```",
    "",
    "The bench starts everything itself on free ports: one backend per roster id (dev stand-ins, `SWITCHYARD_DEV=1`, 1 thread, 8 parallel sequences), the edge on workerd itself exactly as `npm start` runs it (infra/workerd: the wrangler deploy bundle, the static-files worker, the metrics Durable Object), with generated credentials, the floor worker on workerd (bench/src/workerd/), and the peers if installed; it stops them all at the end. Logs go to `bench/.run/logs/`.",
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

/** The warm decision p50 the router evaluation measured (classifier/src/evaluate.ts), if it ran. */
function routerDecisionMs(results: BenchResults): number | null {
  if (!results.router.available) return null;
  const output = results.router.output as { router?: { warm_decision_ms_node?: { p50?: unknown } } };
  const p50 = output.router?.warm_decision_ms_node?.p50;
  return typeof p50 === "number" ? p50 : null;
}
