/**
 * `npm start`: the whole Switchyard stack on this machine.
 *
 * 1. One backend per roster model (ports from the edge's DEFAULT_BACKENDS, 8081-8085), each
 *    serving its tiny development stand-in (SWITCHYARD_DEV=1, one thread), unless
 *    SWITCHYARD_BACKENDS is set (then those backends are used as they are).
 * 2. Development credentials in .dev.vars when none are configured (printed once).
 * 3. The edge under `wrangler dev` on http://127.0.0.1:8787 (--port to change), using Upstash
 *    and Postgres when UPSTASH_REDIS_REST_URL/_TOKEN and DATABASE_URL are set (e.g.
 *    `source infra/local/services.env`), in-memory state and JSON log lines otherwise.
 * Ctrl-C / SIGTERM stops every child and exits 0.
 *
 * @example
 * npm start
 * npm start -- --port 8790
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_BACKENDS } from "../edge/src/config/schema";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEV_VARS = join(ROOT, ".dev.vars");
const TSX_LOADER = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
const WRANGLER_BIN = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const BACKEND_READY_TIMEOUT_MS = 240_000;
const EDGE_READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
/** Variables from this process's environment that the worker should see. */
const FORWARDED_ENV = /^(SWITCHYARD_|UPSTASH_REDIS_REST_|DATABASE_URL$|OTEL_EXPORTER_OTLP_ENDPOINT$)/;

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.SWITCHYARD_EDGE_PORT ?? "8787" },
    // Several stacks on one machine (tests, benchmarks) must not share wrangler's inspector port
    // or its local Durable Object storage.
    "inspector-port": { type: "string" },
    "persist-to": { type: "string" },
  },
  strict: true,
});
const edgePort = Number(args.port);
/** Settings handed to the worker; one file per port so that stacks side by side keep their own. */
const WRANGLER_ENV = join(ROOT, ".wrangler", edgePort === 8787 ? "start.env" : `start-${edgePort}.env`);

interface Child {
  name: string;
  process: ChildProcess;
}
const children: Child[] = [];
let stopping = false;

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

function run(name: string, command: string, argv: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream }).on("line", (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  child.on("exit", (code, signal) => {
    // Ctrl-C reaches the whole process group: give our own SIGINT handler a moment to run first.
    setTimeout(() => {
      if (stopping) return;
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void stopAll(1);
    }, 300);
  });
  const entry = { name, process: child };
  children.push(entry);
  return entry;
}

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping...");
  }
  const alive = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
  for (const c of alive) c.process.kill("SIGTERM");
  const deadline = Date.now() + STOP_GRACE_MS;
  while (
    alive.some((c) => c.process.exitCode === null && c.process.signalCode === null) &&
    Date.now() < deadline
  ) {
    await sleep(100);
  }
  for (const c of alive)
    if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
  process.exit(exitCode);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function isUp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function waitUntilUp(what: string, url: string, timeoutMs: number, child?: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isUp(url))) {
    if (stopping) await new Promise(() => {}); // stopAll exits the process
    if (child && child.process.exitCode !== null) throw new Error(`${what} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} not ready at ${url} after ${timeoutMs / 1000}s`);
    await sleep(500);
  }
}

/** KEY=VALUE lines (dotenv subset, as wrangler reads .dev.vars). */
function readDotenv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1] || line.trim().startsWith("#")) continue;
    vars[match[1]] = (match[2] ?? "").replace(/^(['"])(.*)\1$/, "$2");
  }
  return vars;
}

/** Quotes a value for a dotenv file without escapes (which dotenv does not undo inside quotes). */
function dotenvQuote(value: string): string {
  const quote = ["'", '"', "`"].find((q) => !value.includes(q));
  if (!quote || value.includes("\n"))
    throw new Error(`cannot write this value to an env file: ${value.slice(0, 40)}...`);
  return `${quote}${value}${quote}`;
}

/** Creates development credentials when neither env nor .dev.vars has any; returns what to print. */
function ensureDevCredentials(): string[] {
  const configured = { ...readDotenv(DEV_VARS), ...process.env };
  const lines: string[] = [];
  const additions: string[] = [];
  const hasCredentials = Boolean(
    configured.SWITCHYARD_API_KEYS || configured.SWITCHYARD_JWT_SECRET || configured.SWITCHYARD_JWT_JWKS_URL,
  );
  if (hasCredentials) {
    lines.push(
      "Credentials: as configured (environment or .dev.vars); a development JWT: npm run token -- --sub alice",
    );
  } else {
    const apiKey = `sk-dev-${randomBytes(24).toString("hex")}`;
    const jwtSecret = randomBytes(32).toString("hex");
    // Only the key's hash is stored; the key itself is shown once, here.
    additions.push(`SWITCHYARD_API_KEYS=dev:${createHash("sha256").update(apiKey).digest("hex")}`);
    additions.push(`SWITCHYARD_JWT_SECRET=${jwtSecret}`);
    lines.push(
      "Generated development credentials (stored in .dev.vars; the API key is shown only now):",
      `  API key:  ${apiKey}`,
      `  Try it:   curl -s http://127.0.0.1:${edgePort}/v1/chat/completions -H 'Authorization: Bearer ${apiKey}' \\`,
      `              -H 'Content-Type: application/json' -d '{"model":"auto","max_tokens":32,"messages":[{"role":"user","content":"Hello"}]}'`,
      "  JWT:      npm run token -- --sub alice   (HS256 with SWITCHYARD_JWT_SECRET from .dev.vars)",
      "  Lost the key? Delete the SWITCHYARD_API_KEYS line from .dev.vars and run npm start again.",
    );
  }
  if (!configured.SWITCHYARD_PROMPT_HASH_KEY)
    additions.push(`SWITCHYARD_PROMPT_HASH_KEY=${randomBytes(32).toString("hex")}`);
  if (!configured.SWITCHYARD_METRICS_TOKEN) {
    const metricsToken = randomBytes(16).toString("hex");
    additions.push(`SWITCHYARD_METRICS_TOKEN=${metricsToken}`);
    lines.push(
      `  Metrics:  curl -s http://127.0.0.1:${edgePort}/metrics -H 'Authorization: Bearer ${metricsToken}'`,
    );
  }
  if (additions.length > 0) {
    const prefix = existsSync(DEV_VARS) && !readFileSync(DEV_VARS, "utf8").endsWith("\n") ? "\n" : "";
    appendFileSync(
      DEV_VARS,
      `${prefix}# Generated by npm start on ${new Date().toISOString()}\n${additions.join("\n")}\n`,
      {
        mode: 0o600,
      },
    );
    chmodSync(DEV_VARS, 0o600);
  }
  return lines;
}

async function startBackends(): Promise<Record<string, string>> {
  const backendEnv = {
    ...process.env,
    SWITCHYARD_DEV: "1",
    SWITCHYARD_THREADS: "1",
    // Two sequences per model: concurrent chats batch instead of queueing (bench/report.md).
    SWITCHYARD_PARALLEL: process.env.SWITCHYARD_PARALLEL ?? "2",
  };
  const pending: Promise<void>[] = [];
  for (const [modelId, baseUrl] of Object.entries(DEFAULT_BACKENDS)) {
    const port = new URL(baseUrl).port;
    if (await isUp(`${baseUrl}/ready`)) {
      say(`${modelId}: reusing the backend already ready on ${baseUrl}`);
      continue;
    }
    // Same as `npm run backend -- --model <id> --port <p> --dev`, without npm in between so
    // signals reach the server directly.
    const child = run(
      modelId,
      process.execPath,
      [
        "--import",
        TSX_LOADER,
        "backends/src/cli.ts",
        "--model",
        modelId,
        "--port",
        port,
        "--dev",
        "--threads",
        "1",
      ],
      backendEnv,
    );
    pending.push(waitUntilUp(`backend ${modelId}`, `${baseUrl}/ready`, BACKEND_READY_TIMEOUT_MS, child));
  }
  say(`waiting for ${pending.length} backend(s) to load their models...`);
  await Promise.all(pending);
  return DEFAULT_BACKENDS;
}

/** A TCP port that is free right now on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stopAll(0));

  const external = process.env.SWITCHYARD_BACKENDS?.trim();
  const backends = external ? (JSON.parse(external) as Record<string, string>) : await startBackends();
  if (external) say(`using SWITCHYARD_BACKENDS from the environment: ${Object.keys(backends).join(", ")}`);
  else say("backends ready");

  const credentialLines = ensureDevCredentials();

  // wrangler does not pass this process's environment to the worker: hand over the settings in
  // an env file (alongside .dev.vars, which holds the credentials).
  const workerVars: Record<string, string> = {
    SWITCHYARD_BACKENDS: JSON.stringify(backends),
    // The web app's "sign in as <name>" (POST /dev/token): local stack only.
    SWITCHYARD_DEV_TOKENS: "true",
  };
  for (const [key, value] of Object.entries(process.env)) {
    if (FORWARDED_ENV.test(key) && value !== undefined && key !== "SWITCHYARD_BACKENDS")
      workerVars[key] = value;
  }
  mkdirSync(dirname(WRANGLER_ENV), { recursive: true });
  writeFileSync(
    WRANGLER_ENV,
    `${Object.entries(workerVars)
      .map(([k, v]) => `${k}=${dotenvQuote(v)}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  const envFiles = [...(existsSync(DEV_VARS) ? [DEV_VARS] : []), WRANGLER_ENV].flatMap((f) => [
    "--env-file",
    f,
  ]);
  const state = workerVars.UPSTASH_REDIS_REST_URL
    ? `Upstash at ${workerVars.UPSTASH_REDIS_REST_URL}`
    : "in-memory";
  const log = workerVars.DATABASE_URL ? "Postgres (DATABASE_URL)" : "JSON log lines";
  say(`starting the edge (rate limits and cache: ${state}; request log: ${log})`);

  const edge = run(
    "edge",
    process.execPath,
    [
      WRANGLER_BIN,
      "dev",
      "--config",
      "wrangler.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(edgePort),
      "--inspector-port",
      args["inspector-port"] ?? String(await freePort()),
      "--persist-to",
      args["persist-to"] ?? join(ROOT, ".wrangler", edgePort === 8787 ? "state" : `state-${edgePort}`),
      "--show-interactive-dev-session=false",
      ...envFiles,
    ],
    { ...process.env, WRANGLER_SEND_METRICS: "false" },
  );
  await waitUntilUp("edge", `http://127.0.0.1:${edgePort}/health`, EDGE_READY_TIMEOUT_MS, edge);
  say(`Switchyard is up: http://127.0.0.1:${edgePort} (backends: ${Object.values(backends).join(" ")})`);
  for (const line of credentialLines) say(line);
  say("Ctrl-C stops everything.");
}

main().catch((err: Error) => {
  say(`failed: ${err.message}`);
  void stopAll(1);
});
