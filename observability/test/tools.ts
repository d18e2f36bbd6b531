/**
 * Finding the real tools the observability tests run (promtool, prometheus, docker-compose).
 * A missing tool fails the test under CI=true and skips it locally with a loud message.
 *
 * @example
 * const promtool = findTool("promtool");
 * it.skipIf(!promtool)("parses", () => run(promtool!, ["--version"]));
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (observability/test/ is two levels down). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const observabilityDir = join(repoRoot, "observability");

const isCi = process.env.CI === "true" || process.env.CI === "1";

/** Absolute path of `name` on PATH, or undefined (throws under CI: a missing tool is a failure). */
export function findTool(name: string, installHint = "apt-get install -y prometheus"): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return path;
  const message = `${name} not found on PATH (${installHint}; listed in .ci/apt-packages.txt)`;
  if (isCi) throw new Error(`${message}: required when CI=true`);
  console.warn(`\n!!! SKIPPING: ${message}\n`);
  return undefined;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion and returns its exit status and output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" } as RunResult;
}
