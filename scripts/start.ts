/**
 * `npm start`: the whole Switchyard stack on this machine.
 *
 * 1. One backend per roster model (ports from the edge's DEFAULT_BACKENDS, 8081-8085), each
 *    serving its development stand-in, the SmolLM2-135M chat model (SWITCHYARD_DEV=1, one thread), unless
 *    SWITCHYARD_BACKENDS is set (then those backends are used as they are).
 * 2. Development credentials in .dev.vars when none are configured (printed once, with an
 *    `export KEY=...` line); credentials from the environment or a hand-written .dev.vars are
 *    used as they are. POST /dev/token (the web app's "sign in as") is on only with credentials
 *    this script generated, or with SWITCHYARD_DEV_TOKENS=true; never with configured keys.
 *    A backend API key (SWITCHYARD_BACKEND_API_KEY) is generated too and given to both sides.
 *    The edge's configuration is checked first: a bad value stops here, naming the variable.
 * 3. The edge on workerd, its production runtime (infra/workerd: the bundle `wrangler deploy`
 *    uploads, rebuilt on every start), on http://127.0.0.1:8787 (--port to change), using Upstash
 *    and Postgres when UPSTASH_REDIS_REST_URL/_TOKEN and DATABASE_URL are set (e.g.
 *    `source infra/local/services.env`), in-memory state and JSON log lines otherwise.
 *    `npm run dev` (--wrangler) runs the edge under `wrangler dev` instead, for hot reload.
 * Ctrl-C / SIGTERM stops every child and exits 0.
 *
 * @example
 * npm start
 * npm start -- --port 8790
 * npm start -- --port 19601 --backend-port 19611 --dev-vars /tmp/dev.vars
 * npm run dev
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EdgeConfigError, type EdgeEnv, loadEdgeConfig } from "../edge/src/config";
import { DEFAULT_BACKENDS, EnvSchema } from "../edge/src/config/schema";
import { buildWorkerdEdge } from "../infra/workerd/build";
import { workerdEdgeCommand } from "../infra/workerd/launch";
import { WRANGLER_QUIET_ENV } from "../infra/workerd/wrangler-env";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
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
    // Several stacks on one machine (tests, benchmarks) must not share an inspector port or the
    // local Durable Object storage.
    "inspector-port": { type: "string" },
    "persist-to": { type: "string" },
    // `npm run dev`: the edge under `wrangler dev` (hot reload) instead of workerd.
    wrangler: { type: "boolean", default: false },
    // First port of the backends npm start runs (the rest follow in tier order); default 8081.
    "backend-port": { type: "string" },
    // Where credentials live (default .dev.vars at the repository root); tests use a temporary file.
    "dev-vars": { type: "string" },
  },
  strict: true,
});
const edgePort = Number(args.port);
const DEV_VARS = resolve(args["dev-vars"] ?? join(ROOT, ".dev.vars"));
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

async function isUp(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function waitUntilUp(
  what: string,
  url: string,
  timeoutMs: number,
  child?: Child,
  headers: Record<string, string> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isUp(url, headers))) {
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

const CREDENTIAL_VARS = ["SWITCHYARD_API_KEYS", "SWITCHYARD_JWT_SECRET", "SWITCHYARD_JWT_JWKS_URL"] as const;
/** The block ensureDevCredentials writes; its presence means the credentials are the stack's own. */
const GENERATED_MARK =
  /^# Generated by npm start[^\n]*\n(?:[^\n]*\n)*?SWITCHYARD_API_KEYS=dev:[0-9a-f]{64}$/m;

interface DevVarsPlan {
  /** Variables to append to .dev.vars (written only once the configuration checks out). */
  additions: Record<string, string>;
  /** What to print once the stack is up. */
  lines: string[];
  generatesCredentials: boolean;
}

/**
 * Plans development credentials when neither env nor .dev.vars has any, and the other secrets
 * the stack needs (prompt hash key, metrics token, backend key when it runs the backends).
 */
function planDevVars(ownBackends: boolean): DevVarsPlan {
  const configured = { ...readDotenv(DEV_VARS), ...process.env };
  const lines: string[] = [];
  const additions: Record<string, string> = {};
  const generatesCredentials = !CREDENTIAL_VARS.some((name) => configured[name]);
  if (!generatesCredentials) {
    lines.push(
      "Credentials: as configured (environment or .dev.vars); a development JWT: npm run token -- --sub alice",
    );
  } else {
    const apiKey = `sk-dev-${randomBytes(24).toString("hex")}`;
    const jwtSecret = randomBytes(32).toString("hex");
    // Only the key's hash is stored; the key itself is shown once, here.
    additions.SWITCHYARD_API_KEYS = `dev:${createHash("sha256").update(apiKey).digest("hex")}`;
    additions.SWITCHYARD_JWT_SECRET = jwtSecret;
    lines.push(
      "Generated development credentials (stored in .dev.vars; the API key is shown only now):",
      `  API key:  ${apiKey}`,
      "  Paste this where you run curl or an OpenAI client:",
      `    export KEY=${apiKey}`,
      `  Try it:   curl -s http://127.0.0.1:${edgePort}/v1/chat/completions -H "Authorization: Bearer $KEY" \\`,
      `              -H 'Content-Type: application/json' -d '{"model":"auto","max_tokens":32,"messages":[{"role":"user","content":"What is the capital of France? Answer in one sentence."}]}'`,
      "  JWT:      npm run token -- --sub alice   (HS256 with SWITCHYARD_JWT_SECRET from .dev.vars)",
      "  Lost the key? Delete the SWITCHYARD_API_KEYS line from .dev.vars and run npm start again.",
    );
  }
  if (!configured.SWITCHYARD_PROMPT_HASH_KEY)
    additions.SWITCHYARD_PROMPT_HASH_KEY = randomBytes(32).toString("hex");
  if (!configured.SWITCHYARD_METRICS_TOKEN) {
    const metricsToken = randomBytes(16).toString("hex");
    additions.SWITCHYARD_METRICS_TOKEN = metricsToken;
    lines.push(
      `  Metrics:  curl -s http://127.0.0.1:${edgePort}/metrics -H 'Authorization: Bearer ${metricsToken}'`,
    );
  }
  // Backends are closed by default: the edge and the backends it starts share this key.
  if (ownBackends && !configured.SWITCHYARD_BACKEND_API_KEY)
    additions.SWITCHYARD_BACKEND_API_KEY = `sk-backend-${randomBytes(24).toString("hex")}`;
  return { additions, lines, generatesCredentials };
}

/** Appends the planned variables to .dev.vars (0600). */
function writeDevVars({ additions }: DevVarsPlan): void {
  const lines = Object.entries(additions).map(([k, v]) => `${k}=${v}`);
  if (lines.length > 0) {
    const prefix = existsSync(DEV_VARS) && !readFileSync(DEV_VARS, "utf8").endsWith("\n") ? "\n" : "";
    appendFileSync(
      DEV_VARS,
      `${prefix}# Generated by npm start on ${new Date().toISOString()}\n${lines.join("\n")}\n`,
      {
        mode: 0o600,
      },
    );
    chmodSync(DEV_VARS, 0o600);
  }
}

/**
 * Whether POST /dev/token (mints a JWT for any name) is on: SWITCHYARD_DEV_TOKENS when set;
 * off when the credentials come from the environment; otherwise on only when .dev.vars holds
 * the credentials this script generated (or says SWITCHYARD_DEV_TOKENS itself).
 */
function devTokensEnabled(generatingNow: boolean): { enabled: boolean; why: string } {
  const truthy = (v: string) => v === "true" || v === "1";
  const explicit = process.env.SWITCHYARD_DEV_TOKENS?.trim();
  if (explicit) return { enabled: truthy(explicit), why: "SWITCHYARD_DEV_TOKENS in the environment" };
  if (CREDENTIAL_VARS.some((name) => process.env[name]?.trim()))
    return { enabled: false, why: "credentials come from the environment" };
  if (generatingNow) return { enabled: true, why: "development credentials generated by npm start" };
  const devVars = readDotenv(DEV_VARS);
  if (devVars.SWITCHYARD_DEV_TOKENS?.trim())
    return {
      enabled: truthy(devVars.SWITCHYARD_DEV_TOKENS.trim()),
      why: "SWITCHYARD_DEV_TOKENS in .dev.vars",
    };
  const generated = existsSync(DEV_VARS) && GENERATED_MARK.test(readFileSync(DEV_VARS, "utf8"));
  return generated
    ? { enabled: true, why: "development credentials generated by npm start" }
    : { enabled: false, why: "credentials configured in .dev.vars" };
}

/** Settings handed to the worker (alongside .dev.vars), checked before anything starts. */
function workerSettings(backends: Record<string, string>, devTokens: boolean): Record<string, string> {
  const vars: Record<string, string> = { SWITCHYARD_BACKENDS: JSON.stringify(backends) };
  for (const [key, value] of Object.entries(process.env)) {
    if (FORWARDED_ENV.test(key) && value !== undefined && key !== "SWITCHYARD_BACKENDS") vars[key] = value;
  }
  vars.SWITCHYARD_DEV_TOKENS = String(devTokens);
  return vars;
}

/** Loads the edge configuration exactly as the worker will see it; exits naming each bad variable. */
function checkEdgeConfig(workerVars: Record<string, string>, plan: DevVarsPlan): void {
  // wrangler reads the env files in order, later ones winning: .dev.vars, then start.env (and
  // startWorkerdEdge merges them the same way).
  const env: EdgeEnv = { ...readDotenv(DEV_VARS), ...plan.additions, ...workerVars };
  try {
    loadEdgeConfig(env);
  } catch (error) {
    if (!(error instanceof EdgeConfigError)) throw error;
    say("the edge's configuration is invalid; nothing was started:");
    for (const issue of error.issues) say(`  ${issue.variable}: ${issue.reason}`);
    process.exit(1);
  }
}

/** DEFAULT_BACKENDS (8081, 8082, ... in tier order), moved to start at --backend-port when given. */
function ownBackendUrls(): Record<string, string> {
  const first = args["backend-port"] ? Number(args["backend-port"]) : undefined;
  if (first === undefined) return DEFAULT_BACKENDS;
  return Object.fromEntries(
    Object.keys(DEFAULT_BACKENDS).map((id, i) => [id, `http://127.0.0.1:${first + i}`]),
  );
}

async function startBackends(
  urls: Record<string, string>,
  apiKey: string | undefined,
): Promise<Record<string, string>> {
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const backendEnv = {
    ...process.env,
    ...(apiKey ? { SWITCHYARD_BACKEND_API_KEY: apiKey } : {}),
    SWITCHYARD_DEV: "1",
    SWITCHYARD_THREADS: "1",
    // Two sequences per model: concurrent chats batch instead of queueing (bench/report.md).
    SWITCHYARD_PARALLEL: process.env.SWITCHYARD_PARALLEL ?? "2",
  };
  const pending: Promise<void>[] = [];
  for (const [modelId, baseUrl] of Object.entries(urls)) {
    const port = new URL(baseUrl).port;
    if (await isUp(`${baseUrl}/ready`, auth)) {
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
    pending.push(
      waitUntilUp(`backend ${modelId}`, `${baseUrl}/ready`, BACKEND_READY_TIMEOUT_MS, child, auth),
    );
  }
  say(`waiting for ${pending.length} backend(s) to load their models...`);
  await Promise.all(pending);
  return urls;
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
  let backends: Record<string, string>;
  try {
    backends = external ? (JSON.parse(external) as Record<string, string>) : ownBackendUrls();
  } catch {
    say("SWITCHYARD_BACKENDS: must be a JSON object of model id -> backend URL; nothing was started");
    process.exit(1);
  }
  const plan = planDevVars(!external);
  const devTokens = devTokensEnabled(plan.generatesCredentials);
  const workerVars = workerSettings(backends, devTokens.enabled);
  checkEdgeConfig(workerVars, plan);
  writeDevVars(plan);
  const credentialLines = plan.lines;
  say(`dev token endpoint (POST /dev/token): ${devTokens.enabled ? "on" : "off"} (${devTokens.why})`);

  if (external) say(`using SWITCHYARD_BACKENDS from the environment: ${Object.keys(backends).join(", ")}`);
  else {
    const backendKey =
      process.env.SWITCHYARD_BACKEND_API_KEY || readDotenv(DEV_VARS).SWITCHYARD_BACKEND_API_KEY;
    await startBackends(backends, backendKey);
    say("backends ready");
  }

  const state = workerVars.UPSTASH_REDIS_REST_URL
    ? `Upstash at ${workerVars.UPSTASH_REDIS_REST_URL}`
    : "in-memory";
  const log = workerVars.DATABASE_URL ? "Postgres (DATABASE_URL)" : "JSON log lines";
  say(
    `starting the edge on ${args.wrangler ? "wrangler dev" : "workerd"} (rate limits and cache: ${state}; request log: ${log})`,
  );
  const edge = args.wrangler ? await startWranglerEdge(workerVars) : await startWorkerdEdge(workerVars);
  await waitUntilUp("edge", `http://127.0.0.1:${edgePort}/health`, EDGE_READY_TIMEOUT_MS, edge);
  say(`Switchyard is up: http://127.0.0.1:${edgePort} (backends: ${Object.values(backends).join(" ")})`);
  for (const line of credentialLines) say(line);
  say("Ctrl-C stops everything.");
}

/** The edge on workerd: the deployable bundle, settings from .dev.vars and this environment. */
async function startWorkerdEdge(workerVars: Record<string, string>): Promise<Child> {
  await buildWorkerdEdge();
  const settings = new Set(Object.keys(EnvSchema.shape));
  // Same precedence as wrangler's env files: .dev.vars, then the settings from this process.
  const vars = Object.fromEntries(
    Object.entries({ ...readDotenv(DEV_VARS), ...workerVars }).filter(([name]) => settings.has(name)),
  );
  const edge = workerdEdgeCommand({
    port: edgePort,
    stateDir:
      args["persist-to"] ??
      join(ROOT, ".wrangler", edgePort === 8787 ? "workerd-state" : `workerd-state-${edgePort}`),
    vars,
    ...(args["inspector-port"] ? { inspectorPort: Number(args["inspector-port"]) } : {}),
  });
  return run("edge", edge.command, edge.args, edge.env);
}

/** The edge under `wrangler dev` (npm run dev): reloads when edge/ changes. */
async function startWranglerEdge(workerVars: Record<string, string>): Promise<Child> {
  // wrangler does not pass this process's environment to the worker: hand over the settings in
  // an env file (alongside .dev.vars, which holds the credentials).
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
  return run(
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
    { ...process.env, ...WRANGLER_QUIET_ENV },
  );
}

main().catch((err: Error) => {
  say(`failed: ${err.message}`);
  void stopAll(1);
});
