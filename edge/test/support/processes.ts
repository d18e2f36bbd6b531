import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (tests never use the fixed local-stack ports). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns a command in its own process group, keeping the last 20 kB of its output for diagnostics.
 * `env` adds to this process's environment, unless `inheritEnv` is false.
 */
export function spawnLogged(
  command: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; inheritEnv?: boolean },
): Spawned {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.inheritEnv === false ? opts.env : { ...process.env, ...opts.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200 (or `timeoutMs` passes, or the process exits). */
export async function waitForOk(
  url: string,
  proc: Spawned,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null)
      throw new Error(`process exited (${proc.child.exitCode}) before ${url} was ready:\n${proc.output()}`);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

/** CI=true turns "cannot start" into a failure; locally the suite skips with a loud message. */
export const isCI = () => process.env.CI === "true" || process.env.CI === "1";

/**
 * The edge on workerd exactly as `npm start` and the containers run it (infra/workerd): builds
 * the bundle, serves it on a free port with `vars` as its settings, waits for /health.
 *
 * @example const edge = await startWorkerdEdge({ SWITCHYARD_BACKENDS: JSON.stringify(map), SWITCHYARD_API_KEYS: "sk-test" });
 */
export async function startWorkerdEdge(
  vars: Record<string, string>,
  opts: { stateDir: string; timeoutMs?: number },
): Promise<Spawned & { url: string }> {
  const { buildWorkerdEdge } = await import("../../../infra/workerd/build");
  const { workerdEdgeCommand } = await import("../../../infra/workerd/launch");
  await buildWorkerdEdge();
  const port = await freePort();
  const edge = workerdEdgeCommand({ port, stateDir: opts.stateDir, vars });
  // Only `vars` reach the edge: not the Upstash/Postgres settings a developer's shell may hold.
  const proc = spawnLogged(edge.command, edge.args, { cwd: opts.stateDir, env: edge.env, inheritEnv: false });
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health`, proc, opts.timeoutMs ?? 60_000);
  return { ...proc, url };
}
