import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildWorkerdEdge } from "../../infra/workerd/build.js";
import { workerdEdgeCommand } from "../../infra/workerd/launch.js";
import { BENCH_DIR, LOG_DIR, REPO_DIR, RUN_DIR, VENV_DIR } from "./paths.js";
import { freePort, type Service, startService } from "./services.js";
import { startWorkerd } from "./workerd/index.js";

/** Everything the bench starts, by role. Absent members were skipped (see `notes`). */
export interface Stack {
  backends: Map<string, Service>;
  edge?: Service;
  floor?: Service;
  portkey?: Service;
  litellm?: Service;
  apiKey: string;
  /** Master key the LiteLLM proxy is started with (it refuses to start without one). */
  litellmKey: string;
  notes: string[];
}

export interface BackendOptions {
  parallel: number;
  /** Requests a backend lets wait for a free sequence before answering 429. */
  queueSize: number;
}

const npmCommand = "npm";
const run = promisify(execFile);
const wranglerBin = join(REPO_DIR, "node_modules", ".bin", "wrangler");

/** Starts one model server on a free port: a dev stand-in GGUF served under the production id. */
export async function startBackend(modelId: string, opts: BackendOptions): Promise<Service> {
  const port = await freePort();
  return startService({
    name: `backend-${modelId}`,
    command: npmCommand,
    args: [
      "run",
      "-s",
      "backend",
      "--",
      "--model",
      modelId,
      "--port",
      String(port),
      "--threads",
      "1",
      "--parallel",
      String(opts.parallel),
    ],
    cwd: REPO_DIR,
    env: {
      SWITCHYARD_DEV: "1",
      // Gateway overhead wants the fastest real model behind every id, not the chat stand-in.
      SWITCHYARD_DEV_STAND_IN: "stories260k",
      SWITCHYARD_QUEUE_SIZE: String(opts.queueSize),
      SWITCHYARD_THREADS: "1",
    },
    port,
    readyPath: "/ready",
    readyTimeoutMs: 90_000,
    logDir: LOG_DIR,
  });
}

export interface EdgeOptions {
  backends: Map<string, Service>;
  apiKey: string;
  /** Token bucket per key: capacity and refill. Large by default so only the rate-limit scenario hits it. */
  rateLimitCapacity: number;
  rateLimitRefillPerSecond: number;
  name?: string;
  routingPolicy?: string;
  /** Opens workerd's V8 inspector on this port (CPU profiles). */
  inspectorPort?: number;
  /** Ready once the socket accepts TCP, before any request reached the worker (cold start). */
  noReadyRequest?: boolean;
}

/** The edge's wrangler config (repository root, or edge/ in older layouts); null when absent. */
export function edgeWranglerConfig(): string | null {
  for (const file of [join(REPO_DIR, "wrangler.toml"), join(REPO_DIR, "edge", "wrangler.toml")])
    if (existsSync(file)) return file;
  return null;
}

/** The edge's variables: generated credentials, the backend map, a rate limit that only the rate-limit scenario hits. */
export function edgeBindings(opts: EdgeOptions): Record<string, string> {
  const backendMap = Object.fromEntries([...opts.backends].map(([id, s]) => [id, s.url]));
  const vars: Record<string, string> = {
    SWITCHYARD_BACKENDS: JSON.stringify(backendMap),
    SWITCHYARD_API_KEYS: `bench:${sha256Hex(opts.apiKey)}`,
    SWITCHYARD_JWT_SECRET: randomBytes(32).toString("hex"),
    SWITCHYARD_METRICS_TOKEN: randomBytes(16).toString("hex"),
    SWITCHYARD_PROMPT_HASH_KEY: randomBytes(32).toString("hex"),
    SWITCHYARD_RATE_LIMIT_CAPACITY: String(opts.rateLimitCapacity),
    SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND: String(opts.rateLimitRefillPerSecond),
  };
  if (opts.routingPolicy) vars.SWITCHYARD_ROUTING_POLICY = opts.routingPolicy;
  if (process.env.SWITCHYARD_BENCH_EDGE_LOG_LEVEL)
    vars.SWITCHYARD_LOG_LEVEL = process.env.SWITCHYARD_BENCH_EDGE_LOG_LEVEL;
  return vars;
}

let edgeBuild: Promise<void> | undefined;

/**
 * Builds the edge for workerd once per bench run, as `npm start` does (infra/workerd/build.ts:
 * the `wrangler deploy` bundle, the static-files worker, the generated config); web/dist first
 * when it is missing, since the static-files worker serves it.
 */
function buildEdgeOnce(): Promise<void> {
  edgeBuild ??= (async () => {
    if (!existsSync(join(REPO_DIR, "web", "dist", "index.html")))
      await run(npmCommand, ["run", "-s", "build:web"], { cwd: REPO_DIR, maxBuffer: 64 * 1024 * 1024 });
    await buildWorkerdEdge();
  })();
  return edgeBuild;
}

/**
 * Starts the edge on workerd itself, exactly as `npm start` and the containers run it
 * (infra/workerd: edge worker + static-files worker + metrics Durable Object), with only the bench's
 * settings in its environment.
 */
export async function startEdge(opts: EdgeOptions): Promise<Service> {
  await buildEdgeOnce();
  const name = opts.name ?? "edge";
  const port = await freePort();
  const stateDir = join(RUN_DIR, `workerd-${name}`);
  const edge = workerdEdgeCommand({
    port,
    stateDir,
    vars: edgeBindings(opts),
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
  });
  return startService({
    name,
    command: edge.command,
    args: edge.args,
    cwd: stateDir,
    env: edge.env,
    inheritEnv: false,
    port,
    readyPath: opts.noReadyRequest ? null : "/health",
    readyTimeoutMs: 60_000,
    logDir: LOG_DIR,
  });
}

/**
 * Starts the edge under `wrangler dev` (local proxy + workerd + esbuild watcher): only for the
 * labelled extra row that shows what the development server costs; production runs workerd.
 */
export async function startEdgeWranglerDev(opts: EdgeOptions): Promise<Service> {
  const name = opts.name ?? "edge-wrangler-dev";
  const port = await freePort();
  mkdirSync(RUN_DIR, { recursive: true });
  const envFile = join(RUN_DIR, `${name}.env`);
  // .env syntax: single quotes keep the JSON's double quotes literal.
  writeFileSync(
    envFile,
    `${Object.entries(edgeBindings(opts))
      .map(([k, v]) => `${k}='${v}'`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  return startService({
    name,
    command: wranglerBin,
    args: [
      "dev",
      "-c",
      edgeWranglerConfig() as string,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--env-file",
      envFile,
      "--persist-to",
      join(RUN_DIR, `wrangler-${name}`),
      "--inspector-port",
      String(await freePort()),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    cwd: REPO_DIR,
    env: { WRANGLER_SEND_METRICS: "false", CI: "true" },
    port,
    readyPath: "/health",
    readyTimeoutMs: 90_000,
    logDir: LOG_DIR,
  });
}

const floorToml = join(BENCH_DIR, "floor-worker", "wrangler.toml");

/** Starts the pass-through floor worker (bench/floor-worker) on workerd, in front of `upstream`. */
export async function startFloor(upstream: string): Promise<Service> {
  return startWorkerd({
    name: "floor",
    wranglerToml: floorToml,
    bindings: { FLOOR_UPSTREAM: upstream },
    readyPath: "/health",
  });
}

/** The floor worker under `wrangler dev`: the labelled extra row beside the edge under `wrangler dev`. */
export async function startFloorWranglerDev(upstream: string): Promise<Service> {
  const port = await freePort();
  return startService({
    name: "floor-wrangler-dev",
    command: wranglerBin,
    args: [
      "dev",
      "-c",
      floorToml,
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--var",
      `FLOOR_UPSTREAM:${upstream}`,
      "--persist-to",
      join(RUN_DIR, "wrangler-floor"),
      "--inspector-port",
      String(await freePort()),
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    cwd: join(BENCH_DIR, "floor-worker"),
    env: { WRANGLER_SEND_METRICS: "false", CI: "true" },
    port,
    readyPath: "/health",
    readyTimeoutMs: 90_000,
    logDir: LOG_DIR,
  });
}

const portkeyServer = join(REPO_DIR, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");

export function portkeyInstalled(): boolean {
  return existsSync(portkeyServer);
}

/** Starts Portkey's open-source gateway (Node build). The backend is chosen per request by headers. */
export async function startPortkey(): Promise<Service> {
  const port = await freePort();
  return startService({
    name: "portkey",
    command: "bash",
    args: [join(BENCH_DIR, "peers", "portkey.sh"), "start", String(port)],
    cwd: BENCH_DIR,
    port,
    readyPath: "/",
    readyTimeoutMs: 60_000,
    logDir: LOG_DIR,
  });
}

export function litellmInstalled(): boolean {
  return existsSync(join(VENV_DIR, "bin", "litellm"));
}

/** Starts the LiteLLM proxy (bench/peers/litellm.yaml) in front of one backend. */
export async function startLitellm(backend: Service, modelId: string, masterKey: string): Promise<Service> {
  const port = await freePort();
  return startService({
    name: "litellm",
    command: "bash",
    args: [join(BENCH_DIR, "peers", "litellm.sh"), "start", String(port), `${backend.url}/v1`, modelId],
    cwd: BENCH_DIR,
    env: { BENCH_BACKEND_API_KEY: "unused", LITELLM_MASTER_KEY: masterKey },
    port,
    readyPath: "/health/liveliness",
    readyTimeoutMs: 180_000,
    logDir: LOG_DIR,
  });
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A fresh random API key for this run (never written anywhere but the edge's env file). */
export function newApiKey(): string {
  return `sk-bench-${randomBytes(16).toString("hex")}`;
}
