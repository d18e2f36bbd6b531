import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A process group we started (so stopping it takes its children along: wrangler, workerd). */
export interface Started {
  name: string;
  child: ChildProcess;
  /** The last lines it printed, for failure messages. */
  tail: () => string;
}

const keptLines = 60;

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export function launch(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Started {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > keptLines) lines.splice(0, lines.length - keptLines);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, tail: () => lines.join("\n") };
}

const running = (started: Started) => started.child.exitCode === null && started.child.signalCode === null;

/** SIGTERM to the whole group, then SIGKILL if it is still there after `graceMs`. */
export async function stop(started: Started, graceMs = 15_000): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined || !running(started)) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise<void>((resolve) => started.child.once("exit", () => resolve()));
  signalGroup("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  // The group leader may exit before its children; make sure nothing of ours is left.
  signalGroup(timedOut ? "SIGKILL" : "SIGTERM");
  await sleep(200);
  signalGroup("SIGKILL");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 2xx; fails early if `started` exits. */
export async function waitForUrl(url: string, timeoutMs: number, started: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (!running(started)) throw new Error(`${started.name} exited before ${url} was up:\n${started.tail()}`);
    if (Date.now() > deadline)
      throw new Error(`${started.name}: ${url} not up after ${timeoutMs / 1000} s:\n${started.tail()}`);
    await sleep(500);
  }
}
