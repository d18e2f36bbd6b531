/**
 * Samples a CPU profile of the edge on workerd through its V8 inspector and prints the
 * functions with the most self time (workerd's own timers do not advance without I/O, so a
 * sampling profile is the honest way to see where an isolate's CPU goes). Without `--port` it
 * starts everything itself: the shared fake upstream (20 ms to first token, 20 chunks 5 ms
 * apart), the edge on workerd with its inspector open, and a closed-loop load at
 * `--concurrency` for the sampling window. With `--port` it attaches to a running inspector.
 *
 * @example
 * npm run -s cpu-profile -w bench -- --seconds 10 --concurrency 8 --out /tmp/edge.cpuprofile
 * npm run -s cpu-profile -w bench -- --port 9229 --seconds 10
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadCatalogue } from "../../backends/src/catalogue/index.js";
import { startFakeBackend } from "../../edge/test/support/fake-backend.js";
import { nonceFor, promptFor } from "./prompts.js";
import { sendChat } from "./request.js";
import { runLoad } from "./runner.js";
import { freePort, type Service, stopAll } from "./services.js";
import { newApiKey, startEdge } from "./stack.js";
import { connectInspector } from "./workerd/inspector.js";

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
      concurrency: { type: "string", default: "8" },
      /** Which worker to profile when workerd runs several (infra/workerd: "edge", "switchyard"). */
      worker: { type: "string", default: "edge" },
      top: { type: "string", default: "30" },
      out: { type: "string" },
    },
  });
  let port = values.port;
  let load: Promise<unknown> | undefined;
  if (!port) {
    const model = loadCatalogue().models.find((m) => m.kind === "production")?.id as string;
    const upstream = await startFakeBackend();
    upstream.behave({
      kind: "ok",
      tokens: Array.from({ length: 20 }, () => " tok"),
      firstTokenDelayMs: 20,
      gapMs: 5,
    });
    const apiKey = newApiKey();
    port = String(await freePort());
    const upstreamService: Service = {
      name: "upstream",
      url: upstream.url,
      logFile: "",
      stop: async () => {},
    };
    const edge = await startEdge({
      backends: new Map([[model, upstreamService]]),
      apiKey,
      rateLimitCapacity: 1e9,
      rateLimitRefillPerSecond: 1e9,
      name: "edge-profiled",
      inspectorPort: Number(port),
    });
    const target = {
      name: "edge",
      baseUrl: `${edge.url}/v1`,
      headers: { authorization: `Bearer ${apiKey}`, "cache-control": "no-cache" },
    };
    const runId = Date.now().toString(36);
    let n = 0;
    const send = () =>
      sendChat(
        target,
        {
          model,
          prompt: promptFor("medium", nonceFor(runId, n++)),
          maxTokens: 32,
          stream: true,
          timeoutMs: 30_000,
        },
        performance.now(),
      );
    await runLoad({ mode: "closed", concurrency: 4, requests: 40, warmup: 0 }, send);
    load = runLoad(
      {
        mode: "closed",
        concurrency: Number(values.concurrency),
        durationMs: Number(values.seconds) * 1000 + 2000,
        warmup: 0,
      },
      async () => {
        const s = await send();
        upstream.received.length = 0; // the fake backend keeps every request: not over a long window
        return s;
      },
    ).then(async (r) => {
      console.log(
        `load: ${r.summary.ok}/${r.summary.requests} ok, ${r.summary.requestsPerSec.toFixed(1)} req/s`,
      );
      await upstream.close();
    });
  }
  const { ws, call } = await connectInspector(Number(port), values.worker as string);
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
  await load;
  await stopAll();
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

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
