import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ThroughputResults } from "./backend-throughput.js";
import type { RunRecord } from "./bench.js";
import type { MachineFacts } from "./machine.js";
import { REPO_DIR } from "./paths.js";
import type { ColdStartResults } from "./scenarios/cold-start.js";
import type { OverheadResults } from "./scenarios/gateway-overhead.js";

/** The file written to bench/results/<date>.json; the report is generated from it alone. */
export interface BenchResults {
  schema: 1;
  mode: "quick" | "full";
  startedAt: string;
  finishedAt: string;
  machine: MachineFacts;
  config: Record<string, unknown>;
  notes: string[];
  runs: RunRecord[];
  /** The gateway-overhead scenario (zero-CPU upstream; edge and floor on workerd, peers). */
  overhead?: OverheadResults;
  /** Cold start of the edge on workerd (fresh process per trial). */
  coldStart?: ColdStartResults;
  /** Backend HTTP serving against raw node-llama-cpp (SmolLM2). */
  throughput?: ThroughputResults;
  router: RouterEval;
}

export type RouterEval =
  | { available: true; command: string; output: unknown }
  | { available: false; reason: string };

/** Where a trained router may live (the first that exists is used unless --router-dir is given). */
const ROUTER_DIR_CANDIDATES = [
  // The router the edge ships (router.onnx + router.meta.json, see docs/router.md).
  "edge/src/routing/model",
].map((p) => join(REPO_DIR, p));
const ROUTING_DATA_DIR = join(REPO_DIR, "..", "shared", "data", "routing");
const DEFAULT_ROUTER_DATA = join(ROUTING_DATA_DIR, "llmrouter-9models.jsonl");
const DEFAULT_ROUTER_PRICES = join(ROUTING_DATA_DIR, "llmrouter-9models-prices.json");

/**
 * Runs the router's offline evaluation (`npm run router -- evaluate ... --split test`), which
 * prints JSON, so routing quality sits in the same report as serving speed. Never throws.
 */
export function runRouterEval(
  dir: string | undefined,
  data: string | undefined,
  log: (line: string) => void,
): RouterEval {
  const pkg = JSON.parse(readFileSync(join(REPO_DIR, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  if (!pkg.scripts?.router) return { available: false, reason: "no `router` script in package.json yet" };
  const routerDir = dir ?? ROUTER_DIR_CANDIDATES.find((d) => existsSync(join(d, "router.meta.json")));
  const dataFile = data ?? DEFAULT_ROUTER_DATA;
  if (!routerDir || !existsSync(routerDir))
    return {
      available: false,
      reason: `no trained router found (looked in ${ROUTER_DIR_CANDIDATES.map((d) => d.slice(REPO_DIR.length + 1)).join(", ")}; train one with \`npm run router -- train\` or pass --router-dir)`,
    };
  const args = [
    "run",
    "-s",
    "router",
    "--",
    "evaluate",
    "--router",
    routerDir,
    "--data",
    dataFile,
    "--split",
    "test",
  ];
  if (!data && existsSync(DEFAULT_ROUTER_PRICES)) args.push("--prices", DEFAULT_ROUTER_PRICES);
  const command = `npm ${args.join(" ")}`;
  try {
    log(`router: ${command}`);
    const out = execFileSync("npm", args, {
      cwd: REPO_DIR,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });
    const start = out.indexOf("{");
    return { available: true, command, output: JSON.parse(out.slice(start)) };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return {
      available: false,
      reason: `evaluate failed: ${(e.stderr ?? e.message).trim().split("\n").slice(-3).join(" ")}`,
    };
  }
}
