/**
 * Samples a CPU profile of a worker under `wrangler dev` through its inspector port and prints
 * the functions with the most self time (workerd's own timers do not advance without I/O, so
 * a sampling profile is the honest way to see where an isolate's CPU goes).
 *
 * @example npx tsx bench/src/cpu-profile.ts --port 9229 --seconds 10 --out /tmp/edge.cpuprofile
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      seconds: { type: "string", default: "10" },
      top: { type: "string", default: "30" },
      out: { type: "string" },
    },
  });
  const targets = (await (await fetch(`http://127.0.0.1:${values.port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("no inspector target");
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 200 });
  await call("Profiler.start");
  await new Promise((r) => setTimeout(r, Number(values.seconds) * 1000));
  const { profile } = (await call("Profiler.stop")) as {
    profile: {
      nodes: ProfileNode[];
      samples: number[];
      timeDeltas: number[];
      startTime: number;
      endTime: number;
    };
  };
  ws.close();
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((sample, i) => {
    const node = byId.get(sample);
    if (!node) return;
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = profile.endTime - profile.startTime;
  const sorted = [...self].sort((a, b) => b[1] - a[1]);
  console.log(`profile: ${(totalUs / 1000).toFixed(0)} ms wall, ${profile.samples.length} samples`);
  for (const [key, us] of sorted.slice(0, Number(values.top)))
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms  ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${key}`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
