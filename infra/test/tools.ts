/**
 * Finding the real tools the deployment checks run: helm and tofu (Go modules built into
 * infra/local/bin by infra/local/infra-tools.sh), nginx and openssl (Debian), docker-compose,
 * and the Python packages kubernetes-validate and python-hcl2 (infra/requirements.txt). A missing
 * tool fails the test under CI=true and skips it locally with a loud message.
 *
 * @example
 * const helm = findTool("helm");
 * describe.skipIf(!helm)("chart", () => { ... });
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const infraDir = join(repoRoot, "infra");
const localBin = join(infraDir, "local", "bin");
const INSTALL = "bash infra/local/infra-tools.sh";

export const isCI = () => process.env.CI === "true" || process.env.CI === "1";

function missing(message: string): undefined {
  if (isCI()) throw new Error(`${message}: required when CI=true`);
  console.warn(`\n!!! SKIPPING: ${message}\n`);
  return undefined;
}

/** infra/local/bin/<name>, else <name> on PATH (also /usr/sbin), else undefined (throws in CI). */
export function findTool(name: string, installHint = INSTALL): string | undefined {
  const local = join(localBin, name);
  if (existsSync(local)) return local;
  const found = spawnSync("sh", ["-c", `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], {
    encoding: "utf8",
  });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return path;
  return missing(`${name} not found in infra/local/bin or on PATH (${installHint})`);
}

/** A python (infra/.venv's, else python3) that can import `module`, else undefined (throws in CI). */
export function findPythonModule(module: string): string | undefined {
  for (const python of [join(infraDir, ".venv", "bin", "python"), "python3"]) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    const found = spawnSync(python, ["-c", `import ${module}`], { encoding: "utf8" });
    if (found.status === 0) return python;
  }
  return missing(`python3 cannot import ${module} (${INSTALL}, or pip install -r infra/requirements.txt)`);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion; returns its exit status and output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}
