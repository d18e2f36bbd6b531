import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { LOG_DIR, REPO_DIR, RUN_DIR } from "../paths.js";
import { freePort, type Service, startService } from "../services.js";
import { readWranglerRuntime, workerdConfig } from "./config.js";

export { readWranglerRuntime, workerdConfig } from "./config.js";

const run = promisify(execFile);
const bin = (name: string) => join(REPO_DIR, "node_modules", ".bin", name);

/**
 * Bundles a worker exactly as `wrangler deploy` would (same rules: .wasm as compiled modules,
 * .onnx as data) into `outDir`, without deploying. An `[assets]` directory that does not exist
 * yet (web/dist before `npm run build:web`) is created empty: the bench calls only the API.
 */
export async function bundleWorker(wranglerToml: string, outDir: string): Promise<void> {
  const assets = /^\s*directory\s*=\s*"([^"]+)"/m.exec(
    (await import("node:fs")).readFileSync(wranglerToml, "utf8"),
  )?.[1];
  if (assets) mkdirSync(join(dirname(wranglerToml), assets), { recursive: true });
  await run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", outDir, "-c", wranglerToml], {
    cwd: dirname(wranglerToml),
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
}

export interface WorkerdServiceOptions {
  name: string;
  wranglerToml: string;
  /** Text bindings (vars and secrets). */
  bindings: Record<string, string>;
  /** Polled until 2xx; null: ready once the socket accepts TCP (no request reaches the worker). */
  readyPath: string | null;
  /** Reuse a bundle already built into this directory (several workers from one bundle). */
  bundleDir?: string;
  port?: number;
  /** Opens the V8 inspector here (CPU profiles: bench/src/cpu-profile.ts). */
  inspectorPort?: number;
}

/**
 * Runs a worker on workerd itself (no wrangler, no local proxy): bundle, write a workerd config
 * under bench/.run, `workerd serve`. What `npm start`'s self-hosted mode and production run.
 *
 * @example
 * const edge = await startWorkerd({ name: "edge", wranglerToml: "wrangler.toml", bindings: vars, readyPath: "/health" });
 */
export async function startWorkerd(opts: WorkerdServiceOptions): Promise<Service> {
  const dir = join(RUN_DIR, `workerd-${opts.name}`);
  const bundleDir = opts.bundleDir ?? join(dir, "bundle");
  mkdirSync(join(dir, "storage"), { recursive: true });
  if (!opts.bundleDir) await bundleWorker(opts.wranglerToml, bundleDir);
  const port = opts.port ?? (await freePort());
  const configFile = join(dir, "config.capnp");
  writeFileSync(
    configFile,
    workerdConfig({
      name: opts.name,
      bundleDir,
      runtime: readWranglerRuntime(opts.wranglerToml),
      bindings: opts.bindings,
      address: `127.0.0.1:${port}`,
      storageDir: join(dir, "storage"),
      configDir: dir,
    }),
    { mode: 0o600 },
  );
  return startService({
    name: opts.name,
    command: bin("workerd"),
    // The port on the command line lets the CPU accounting find this service's processes.
    args: [
      "serve",
      configFile,
      "--experimental",
      "--socket-addr",
      `http=127.0.0.1:${port}`,
      ...(opts.inspectorPort ? ["--inspector-addr", `127.0.0.1:${opts.inspectorPort}`] : []),
    ],
    cwd: dir,
    port,
    readyPath: opts.readyPath,
    readyTimeoutMs: 60_000,
    logDir: LOG_DIR,
  });
}
