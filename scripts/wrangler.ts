/**
 * `npm run wrangler -- <args>`: wrangler with telemetry, error reports, the update check and the
 * `request.cf` download off (infra/workerd/wrangler-env.ts), so nothing reaches the network
 * unless the command itself needs it (`deploy`, `secret put`).
 *
 * @example
 * npm run wrangler -- deploy --dry-run --outdir dist/check
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WRANGLER_QUIET_ENV } from "../infra/workerd/wrangler-env";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  process.execPath,
  [join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, ...WRANGLER_QUIET_ENV } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
