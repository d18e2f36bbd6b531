/**
 * Vitest global setup: `npm test` brings up the local services the real-server tests need
 * (Redis, the Upstash REST bridge, PostgreSQL, the Neon wsproxy) when they are not running, and
 * afterwards stops exactly the ones it started, never one that was already up.
 *
 * - Variables already in the environment (UPSTASH_REDIS_REST_URL and DATABASE_URL, e.g. from
 *   `source infra/local/services.env`) win: nothing is started.
 * - Otherwise `infra/local/services.sh start` starts what is missing (ports and names from the
 *   same overrides it reads: REDIS_PORT, PG_PORT, ...), and its env file is loaded into the
 *   environment of every test worker.
 * - SWITCHYARD_TEST_SERVICES=off skips all of it (the tests that need a service then skip
 *   loudly, or fail under CI=true, as before).
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ["./infra/local/test-services.ts"] } });
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const LOCAL = resolve(import.meta.dirname);
const SCRIPT = join(LOCAL, "services.sh");
const VARIABLES = [
  "REDIS_URL",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "DATABASE_URL",
  "SWITCHYARD_NEON_WSPROXY",
];

const say = (line: string) => process.stderr.write(`[test services] ${line}\n`);

/** `export NAME='value'` lines of services.env. */
export function readServicesEnv(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^export ([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

function services(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env, timeout: 180_000 });
}

export default function setup(): (() => void) | undefined {
  if (process.env.SWITCHYARD_TEST_SERVICES === "off") return undefined;
  if (process.env.UPSTASH_REDIS_REST_URL && process.env.DATABASE_URL) return undefined;
  const envFile = process.env.SERVICES_ENV_FILE ?? join(LOCAL, "services.env");
  const work = mkdtempSync(join(tmpdir(), "switchyard-test-services-"));
  const startedFile = join(work, "started");
  const start = services(["start"], { ...process.env, SERVICES_STARTED_FILE: startedFile });
  if (start.status !== 0 || !existsSync(envFile)) {
    const why = (start.stderr || start.stdout || start.error?.message || "").trim().split("\n").at(-1);
    const message = `could not start the local services (${why}); install them with: bash infra/local/install.sh`;
    rmSync(work, { recursive: true, force: true });
    if (process.env.CI === "true") throw new Error(message);
    say(`${message}. The tests that need them will skip.`);
    return undefined;
  }
  const values = readServicesEnv(envFile);
  for (const name of VARIABLES) if (values[name] && !process.env[name]) process.env[name] = values[name];
  const started = existsSync(startedFile)
    ? readFileSync(startedFile, "utf8").split("\n").filter(Boolean)
    : [];
  say(started.length > 0 ? `started ${started.join(", ")}` : "using the services already running");
  return () => {
    if (started.length > 0) {
      const stop = services(["stop", "--started", startedFile]);
      say(stop.status === 0 ? `stopped ${started.join(", ")}` : `stopping failed: ${stop.stderr.trim()}`);
    }
    rmSync(work, { recursive: true, force: true });
  };
}
