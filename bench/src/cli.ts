import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCatalogue } from "../../backends/src/catalogue/index.js";
import { runBackendThroughput, type ThroughputResults } from "./backend-throughput.js";
import { type BenchPlan, runScenarios } from "./bench.js";
import { machineFacts } from "./machine.js";
import { REPORT_FILE, RESULTS_DIR, RUN_DIR } from "./paths.js";
import { writeReport } from "./report.js";
import type { Target } from "./request.js";
import { type BenchResults, runRouterEval } from "./results.js";
import { type ColdStartResults, runColdStart } from "./scenarios/cold-start.js";
import { type OverheadPlan, type OverheadResults, runGatewayOverhead } from "./scenarios/gateway-overhead.js";
import { type Service, stopAll } from "./services.js";
import {
  edgeWranglerConfig,
  litellmInstalled,
  newApiKey,
  portkeyInstalled,
  type Stack,
  startBackend,
  startEdge,
  startFloor,
  startLitellm,
  startPortkey,
} from "./stack.js";

/** The production roster in cascade order, from the model catalogue (backends/models.json). */
const ROSTER = loadCatalogue()
  .models.flatMap((m) => (m.kind === "production" ? [m] : []))
  .sort((a, b) => a.tier - b.tier)
  .map((m) => m.id);

const USAGE = `usage: npm run bench [-- options]
  --quick                 a minute or two: fewer levels, models and requests
  --concurrency 1,8,32    override the concurrency levels
  --no-peers              skip Portkey and LiteLLM
  --no-edge               skip the edge (and the floor)
  --only S[,S]            run only these scenarios: gateway-overhead, cold-start, backend-throughput
  --no-overhead           skip the gateway-overhead scenario
  --skip S[,S]            skip these of the --only scenarios in a full run
  --systems floor,edge    gateway-overhead: measure only these systems
  --wrangler-dev          add the floor and the edge under \`wrangler dev\` as extra overhead rows
  --report-only [FILE]    regenerate bench/report.md from a results file (default: the newest)
  --router-dir DIR --router-data FILE   arguments for the router's evaluate command`;

function newestResults(): string | null {
  if (!existsSync(RESULTS_DIR)) return null;
  const files = readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
  return files.length ? join(RESULTS_DIR, files[files.length - 1] as string) : null;
}

function overheadPlanFor(
  quick: boolean,
  concurrencyArg: string | undefined,
  values: { "wrangler-dev"?: boolean; "no-peers"?: boolean; systems?: string | undefined },
): OverheadPlan {
  return {
    model: ROSTER[0] as string,
    concurrencies: concurrencyArg
      ? concurrencyArg
          .split(",")
          .map(Number)
          .filter((n) => n > 0)
      : [1, 8, 32],
    rounds: quick ? 1 : 3,
    requestsAt: (c) => (quick ? Math.max(20, 2 * c) : Math.max(40, 8 * c)),
    warmupRequests: quick ? 100 : 600,
    upstream: { firstTokenMs: 20, chunks: 20, gapMs: 5 },
    wranglerDev: values["wrangler-dev"] ?? false,
    peers: !values["no-peers"],
    ...(values.systems ? { systems: values.systems.split(",") } : {}),
  };
}

function planFor(quick: boolean, concurrencyArg: string | undefined): BenchPlan {
  const concurrencies = concurrencyArg
    ? concurrencyArg
        .split(",")
        .map((s) => Number.parseInt(s, 10))
        .filter((n) => n > 0)
    : quick
      ? [1, 8, 32]
      : [1, 2, 4, 8, 16, 32];
  return {
    quick,
    concurrencies,
    directModels: quick ? ["qwen2.5-7b-instruct", "codegemma-7b"] : ROSTER,
    mainModel: "qwen2.5-7b-instruct",
    routerCompareModels: quick
      ? ["qwen2.5-7b-instruct"]
      : ["codegemma-7b", "qwen2.5-7b-instruct", "gemma-2-9b-it"],
    maxTokens: quick ? 16 : 64,
    requestsAt: (c) => (quick ? Math.max(10, c) : Math.max(40, 4 * c)),
    warmupAt: (c) => Math.min(c, 8),
    rounds: quick ? 1 : 3,
    openLoopDurationMs: quick ? 3000 : 15_000,
    openLoopLoads: quick ? [0.7] : [0.5, 0.8, 1.1],
    timeoutMs: 120_000,
  };
}

function writeResults(
  results: BenchResults,
  started: Date,
  suffix: string,
  log: (line: string) => void,
): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${started.toISOString().slice(0, 19).replace(/:/g, "-")}Z${suffix}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReport(results, file);
  log(`wrote ${file} and ${REPORT_FILE}`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      concurrency: { type: "string" },
      "no-peers": { type: "boolean", default: false },
      "no-edge": { type: "boolean", default: false },
      only: { type: "string" },
      skip: { type: "string" },
      "no-overhead": { type: "boolean", default: false },
      "wrangler-dev": { type: "boolean", default: false },
      systems: { type: "string" },
      "report-only": { type: "boolean", default: false },
      "router-dir": { type: "string" },
      "router-data": { type: "string" },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values["report-only"]) {
    const file = positionals[0] ?? newestResults();
    if (!file) throw new Error("no results in bench/results: run `npm run bench -- --quick` first");
    writeReport(JSON.parse(readFileSync(file, "utf8")) as BenchResults, file);
    console.log(`wrote ${REPORT_FILE}`);
    return;
  }

  const plan = planFor(values.quick ?? false, values.concurrency);
  const log = (line: string) => console.log(line);
  const started = new Date();
  const machine = machineFacts();
  const only = values.only ? values.only.split(",") : null;
  for (const s of only ?? [])
    if (!["gateway-overhead", "cold-start", "backend-throughput"].includes(s))
      throw new Error(`--only: unknown scenario ${s}`);
  const skipped = new Set(values.skip ? values.skip.split(",") : []);
  const wants = (s: string) => (only ? only.includes(s) : true) && !skipped.has(s);
  // First, while nothing else of the bench runs: the gateways alone on a zero-CPU upstream.
  let overhead: OverheadResults | undefined;
  if (wants("gateway-overhead") && !values["no-overhead"] && !values["no-edge"]) {
    log("gateway-overhead: zero-CPU upstream; floor, edge (workerd), peers");
    overhead = await runGatewayOverhead(
      overheadPlanFor(values.quick ?? false, only ? values.concurrency : undefined, values),
      log,
    );
  }
  let coldStart: ColdStartResults | undefined;
  if (wants("cold-start") && !values["no-edge"]) {
    log("cold-start: fresh edge processes on workerd");
    coldStart = await runColdStart(
      { model: ROSTER[0] as string, trials: values.quick ? 2 : 5, warm: 10, settleMs: 1000 },
      log,
    );
  }
  let throughput: ThroughputResults | undefined;
  if (wants("backend-throughput")) {
    log("backend-throughput: SmolLM2 served over HTTP vs raw node-llama-cpp");
    throughput = await runBackendThroughput({
      model: "smollm2-135m-instruct",
      threads: [1],
      streams: [1, 4],
      maxTokens: values.quick ? 32 : 128,
      rounds: values.quick ? 1 : 3,
      log,
    });
  }
  // The fake-upstream figures are kept at once, so a long real-backend phase that is stopped
  // does not lose them (bench/.run/fake-upstream.json; `--report-only` reads it like any results file).
  if (!only) {
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(
      join(RUN_DIR, "fake-upstream.json"),
      `${JSON.stringify({ schema: 1, mode: values.quick ? "quick" : "full", startedAt: started.toISOString(), finishedAt: new Date().toISOString(), machine: { ...machine, loadAvgEnd: os.loadavg()[0] ?? 0 }, config: { only: "fake-upstream phase of a full run" }, notes: ["the fake-upstream phase of a full run (the real-backend phase did not finish)"], runs: [], ...(overhead ? { overhead } : {}), ...(coldStart ? { coldStart } : {}), ...(throughput ? { throughput } : {}), router: { available: false, reason: "not run" } }, null, 2)}\n`,
    );
  }
  if (only) {
    const finished = new Date();
    machine.loadAvgEnd = os.loadavg()[0] ?? 0;
    writeResults(
      {
        schema: 1,
        mode: values.quick ? "quick" : "full",
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        machine,
        config: { only: values.only },
        notes: [`only the ${values.only} scenario ran`],
        runs: [],
        ...(overhead ? { overhead } : {}),
        ...(coldStart ? { coldStart } : {}),
        ...(throughput ? { throughput } : {}),
        router: { available: false, reason: "not run (--only)" },
      },
      started,
      `-${only.join("+")}${values.quick ? "-quick" : ""}`,
      log,
    );
    return;
  }
  const notes: string[] = [];
  const stack: Stack = { backends: new Map(), apiKey: newApiKey(), litellmKey: newApiKey(), notes };
  const onSignal = () => {
    void stopAll().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let rateLimited: Service | undefined;
  try {
    log(
      `bench: ${plan.quick ? "quick" : "full"} run on ${machine.cpuModel} (${machine.cores} cores), load ${machine.loadAvgStart.toFixed(2)}`,
    );
    // Every roster id gets a backend (the edge's `auto` may pick any); all start at once.
    const backendOptions = { parallel: 8, queueSize: 64 };
    const backends = await Promise.all(ROSTER.map((id) => startBackend(id, backendOptions)));
    ROSTER.forEach((id, i) => {
      stack.backends.set(id, backends[i] as Service);
      log(`  backend ${id} on ${backends[i]?.url}`);
    });
    const main = stack.backends.get(plan.mainModel) as Service;
    const starting: Promise<void>[] = [];
    const attempt = (what: string, start: () => Promise<void>) =>
      starting.push(
        start().catch(
          (err: Error) => void notes.push(`${what} failed to start: ${err.message.split("\n")[0]}`),
        ),
      );
    if (values["no-edge"]) notes.push("edge and floor skipped (--no-edge)");
    else {
      attempt("floor worker", async () => {
        stack.floor = await startFloor(main.url);
      });
      if (edgeWranglerConfig()) {
        attempt("edge", async () => {
          stack.edge = await startEdge({
            backends: stack.backends,
            apiKey: stack.apiKey,
            rateLimitCapacity: 1_000_000,
            rateLimitRefillPerSecond: 100_000,
          });
        });
      } else notes.push("edge skipped: wrangler.toml not found (the edge had not landed when this ran)");
    }
    if (values["no-peers"]) notes.push("peers skipped (--no-peers)");
    else {
      if (portkeyInstalled()) {
        attempt("Portkey", async () => {
          stack.portkey = await startPortkey();
        });
      } else notes.push("Portkey not installed: run `bash bench/peers/portkey.sh install`");
      if (litellmInstalled()) {
        attempt("LiteLLM", async () => {
          stack.litellm = await startLitellm(main, plan.mainModel, stack.litellmKey);
        });
      } else notes.push("LiteLLM not installed: run `bash bench/peers/litellm.sh install`");
    }
    await Promise.all(starting);
    for (const s of [stack.floor, stack.edge, stack.portkey, stack.litellm])
      if (s) log(`  ${s.name} on ${s.url}`);
    for (const n of notes) log(`  note: ${n}`);

    const startRateLimitedEdge = stack.edge
      ? async (): Promise<Target | null> => {
          rateLimited = await startEdge({
            name: "edge-limited",
            backends: stack.backends,
            apiKey: stack.apiKey,
            rateLimitCapacity: 5,
            rateLimitRefillPerSecond: 1,
          });
          return {
            name: "edge-limited",
            baseUrl: `${rateLimited.url}/v1`,
            headers: { authorization: `Bearer ${stack.apiKey}` },
          };
        }
      : undefined;
    const runs = await runScenarios(stack, plan, log, startRateLimitedEdge);
    const router = runRouterEval(values["router-dir"], values["router-data"], log);

    const finished = new Date();
    machine.loadAvgEnd = os.loadavg()[0] ?? 0;
    const results: BenchResults = {
      schema: 1,
      mode: plan.quick ? "quick" : "full",
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      machine,
      config: {
        concurrencies: plan.concurrencies,
        directModels: plan.directModels,
        mainModel: plan.mainModel,
        maxTokens: plan.maxTokens,
        backend: { ...backendOptions, threads: 1, devStandIns: true },
        rounds: plan.rounds,
        requestsAt: Object.fromEntries(plan.concurrencies.map((c) => [c, plan.requestsAt(c)])),
      },
      notes,
      runs,
      ...(overhead ? { overhead } : {}),
      ...(coldStart ? { coldStart } : {}),
      ...(throughput ? { throughput } : {}),
      router,
    };
    writeResults(results, started, plan.quick ? "-quick" : "", log);
  } finally {
    await rateLimited?.stop();
    await stopAll();
  }
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.message : err);
  await stopAll();
  process.exit(1);
});
