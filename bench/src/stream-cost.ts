/**
 * What streaming costs a worker on workerd, by how it touches the body: piped natively, read
 * chunk by chunk, read and re-serialised (the least a relay that owns every byte does), or tee'd
 * and watched. Every variant of bench/stream-cost/worker.js runs in one workerd process against
 * the fake upstream of the gateway-overhead scenario (20 ms to the first token, 20 chunks 5 ms
 * apart); CPU per request from /proc. It bounds what the edge's relay can reach (bench/report.md).
 *
 * @example npm run stream-cost -w bench -- --concurrency 1,8,32
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFakeBackend } from "../../edge/test/support/fake-backend.js";
import { workerdBinary } from "../../infra/workerd/launch.js";
import { machineFacts } from "./machine.js";
import { BENCH_DIR, RESULTS_DIR, RUN_DIR } from "./paths.js";
import { freePort } from "./services.js";

const VARIANTS = ["native", "readEach", "relay", "teeNative"] as const;

const processCpuMs = (pid: number) => {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
};

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
    const workerd: ChildProcess = spawn(workerdBinary(), ["serve", join(dir, "config.capnp")], {
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${ports[variant]}/`;
    for (let i = 0; i < 100; i++) {
      try {
        await (await fetch(url, { method: "POST", body: "{}" })).text();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const c of levels) {
      const n = Math.max(60, Number(values.requests) * c);
      const one = async () => {
        const text = await (await fetch(url, { method: "POST", body: "{}" })).text();
        if (!text.includes("[DONE]")) throw new Error(`${variant}: incomplete reply`);
      };
      const run = async (count: number) => {
        let left = count;
        await Promise.all(
          Array.from({ length: c }, async () => {
            while (left-- > 0) await one();
          }),
        );
      };
      await run(2 * c);
      const before = processCpuMs(workerd.pid as number);
      await run(n);
      const cpuMsPerRequest = Math.round(((processCpuMs(workerd.pid as number) - before) / n) * 100) / 100;
      upstream.received.length = 0;
      rows.push({ variant, concurrency: c, requests: n, cpuMsPerRequest });
      console.log(
        `${variant.padEnd(10)} c=${String(c).padEnd(3)} ${cpuMsPerRequest.toFixed(2)} CPU ms/request (${n} requests)`,
      );
    }
    workerd.kill();
    await new Promise((r) => workerd.once("exit", r));
  }
  await upstream.close();
  const file = join(RESULTS_DIR, `stream-cost-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ kind: "stream-cost", machine: machineFacts(), rows }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
