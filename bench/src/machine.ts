import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { REPO_DIR, VENV_DIR } from "./paths.js";

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average at the start and end: a busy machine makes noisy numbers. */
  loadAvgStart: number;
  loadAvgEnd?: number;
  gitCommit: string | null;
  versions: Record<string, string | null>;
}

function packageVersion(name: string): string | null {
  const file = join(REPO_DIR, "node_modules", name, "package.json");
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? null;
}

function litellmVersion(): string | null {
  const pip = join(VENV_DIR, "bin", "pip");
  if (!existsSync(pip)) return null;
  try {
    const out = execFileSync(pip, ["show", "litellm"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return /^Version:\s*(\S+)/m.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** CPU, memory, Node and the versions of what was measured, recorded with every result. */
export function machineFacts(): MachineFacts {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_DIR,
      encoding: "utf8",
    }).trim();
  } catch {
    gitCommit = null;
  }
  return {
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvgStart: os.loadavg()[0] ?? 0,
    gitCommit,
    versions: {
      "node-llama-cpp": packageVersion("node-llama-cpp"),
      hono: packageVersion("hono"),
      wrangler: packageVersion("wrangler"),
      workerd: packageVersion("workerd"),
      "@portkey-ai/gateway": packageVersion("@portkey-ai/gateway"),
      litellm: litellmVersion(),
      undici: process.versions.undici ?? null,
    },
  };
}
