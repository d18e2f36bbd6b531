import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

/** A process the bench started and will stop (its whole process group). */
export interface Service {
  name: string;
  /** Base URL (no path), e.g. http://127.0.0.1:8082 */
  url: string;
  logFile: string;
  /** Leader of the service's process group (its processes' CPU is counted by group). */
  pid?: number;
  /** performance.now() when the process was spawned (cold-start measurements). */
  spawnedAt?: number;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** false: the process sees only `env` (not this process's environment). Default true. */
  inheritEnv?: boolean;
  port: number;
  /** Path polled until it answers 2xx, e.g. "/health"; null: ready once the port accepts TCP (no request sent). */
  readyPath: string | null;
  readyTimeoutMs: number;
  logDir: string;
}

const running = new Set<Service>();

/** Stops every service still running (called on exit and on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** A free TCP port on 127.0.0.1: the one helper the edge tests, the classifier tests and the bench share. */
export { freePort } from "../../edge/test/support/processes.js";

/** Whether something accepts a TCP connection on 127.0.0.1:port (the connection is closed at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends a signal to the child's process group (it was spawned detached, so it leads one). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a long-running process in its own process group, logs its output to a file and
 * waits until `readyPath` answers 2xx. Throws (with the log's tail) when it exits or times out.
 *
 * @example
 * const edge = await startService({ name: "edge", command: "npx", args: ["wrangler", "dev"], cwd, port, readyPath: "/health", readyTimeoutMs: 60_000, logDir });
 */
export async function startService(spec: ServiceSpec): Promise<Service> {
  mkdirSync(spec.logDir, { recursive: true });
  const logFile = join(spec.logDir, `${spec.name}.log`);
  const log = createWriteStream(logFile);
  const spawnedAt = performance.now();
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.inheritEnv === false ? spec.env : { ...process.env, ...spec.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${spec.port}`;
  const service: Service = {
    name: spec.name,
    url,
    logFile,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    spawnedAt,
    async stop() {
      running.delete(service);
      if (!exited(child)) {
        signalGroup(child, "SIGTERM");
        for (let i = 0; i < 50 && !exited(child); i++) await sleep(100);
      }
      // Children (workerd, tsx) can outlive their parent: always sweep the group.
      signalGroup(child, "SIGKILL");
    },
  };
  running.add(service);
  const deadline = performance.now() + spec.readyTimeoutMs;
  while (performance.now() < deadline) {
    if (exited(child)) break;
    if (spec.readyPath === null) {
      if (await accepts(spec.port)) return service;
      await sleep(5);
      continue;
    }
    try {
      const res = await fetch(url + spec.readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return service;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await service.stop();
  let tail = "";
  try {
    tail = readFileSync(logFile, "utf8").split("\n").slice(-25).join("\n");
  } catch {
    // no log
  }
  throw new Error(
    `${spec.name} did not become ready on ${url}${spec.readyPath ?? " (TCP)"} (${exited(child) ? `exited ${child.exitCode ?? child.signalCode}` : "timeout"}). Log tail:\n${tail}`,
  );
}
