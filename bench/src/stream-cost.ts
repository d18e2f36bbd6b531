/**
 * What streaming costs a worker on workerd, by how it touches the body: piped natively, read
 * chunk by chunk, read and re-serialised (the least a relay that owns every byte does), or tee'd
 * and watched. Every variant of bench/stream-cost/worker.js runs in one workerd process against
 * the fake upstream of the gateway-overhead scenario (20 ms to the first token, 20 chunks 5 ms
 * apart); CPU per request from /proc. It bounds what the edge's relay can reach (bench/report.md).
 *
 * @example npm run stream-cost -w bench -- --concurrency 1,8,32
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFakeBackend } from "../../edge/test/support/fake-backend.js";
import { workerdBinary } from "../../infra/workerd/launch.js";
import { cpuByGroup, cpuDelta } from "./cpu.js";
import { machineFacts } from "./machine.js";
import { BENCH_DIR, LOG_DIR, RESULTS_DIR, RUN_DIR } from "./paths.js";
import { sendChat } from "./request.js";
import { runLoad } from "./runner.js";
import { freePort, startService, stopAll } from "./services.js";

const VARIANTS = ["native", "readEach", "relay", "teeNative", "spliced"] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: "string", default: "1,8,32" },
      requests: { type: "string", default: "10" },
    },
  });
  const levels = values.concurrency.split(",").map(Number);
  const upstream = await startFakeBackend();
  upstream.behave({
    kind: "ok",
    tokens: Array.from({ length: 20 }, () => " tok"),
    firstTokenDelayMs: 20,
    gapMs: 5,
  });
  const dir = join(RUN_DIR, "stream-cost");
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(BENCH_DIR, "stream-cost", "worker.js"), join(dir, "worker.js"));
  const ports = Object.fromEntries(
    await Promise.all(VARIANTS.map(async (v) => [v, await freePort()] as const)),
  );
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "internet", network = (allow = ["public", "private", "local"])),
    (name = "w", worker = (modules = [(name = "worker.js", esModule = embed "worker.js")],
      compatibilityDate = "2025-09-01", bindings = [(name = "UPSTREAM", text = "${upstream.url}")])),
  ],
  sockets = [
${VARIANTS.map((v) => `    (name = "${v}", address = "127.0.0.1:${ports[v]}", http = (), service = (name = "w", entrypoint = "${v}"))`).join(",\n")}
  ],
);
`,
  );
  const rows: Array<{ variant: string; concurrency: number; requests: number; cpuMsPerRequest: number }> = [];
  for (const variant of VARIANTS) {
    // One process per variant, so that its CPU is the variant's alone.
    const workerd = await startService({
      name: `stream-cost-${variant}`,
      command: workerdBinary(),
      args: ["serve", join(dir, "config.capnp")],
      cwd: dir,
      port: ports[variant] as number,
      readyPath: null,
      readyTimeoutMs: 30_000,
      logDir: LOG_DIR,
    });
    const groups = { [variant]: workerd.pid as number };
    const target = { name: variant, baseUrl: `${workerd.url}/v1`, headers: {} };
    const spec = { model: "m", prompt: "hi", maxTokens: 32, stream: true, timeoutMs: 30_000 };
    for (const c of levels) {
      const requests = Math.max(60, Number(values.requests) * c);
      const send = (_i: number, zero: number) => sendChat(target, spec, zero);
      // Warm-up outside the CPU window, as in the gateway-overhead scenario.
      await runLoad({ mode: "closed", concurrency: c, requests: 2 * c, warmup: 0 }, send);
      const before = cpuByGroup(groups);
      const load = await runLoad({ mode: "closed", concurrency: c, requests, warmup: 0 }, send);
      const used = Object.values(cpuDelta(before, cpuByGroup(groups))[variant] ?? {}).reduce(
        (a, b) => a + b,
        0,
      );
      if (load.summary.ok !== requests)
        throw new Error(`${variant}: ${requests - load.summary.ok} incomplete replies`);
      const cpuMsPerRequest = Math.round((used / requests) * 100) / 100;
      upstream.received.length = 0;
      rows.push({ variant, concurrency: c, requests, cpuMsPerRequest });
      console.log(
        `${variant.padEnd(10)} c=${String(c).padEnd(3)} ${cpuMsPerRequest.toFixed(2)} CPU ms/request (${requests} requests)`,
      );
    }
    await workerd.stop();
  }
  await upstream.close();
  const file = join(RESULTS_DIR, `stream-cost-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ kind: "stream-cost", machine: machineFacts(), rows }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
