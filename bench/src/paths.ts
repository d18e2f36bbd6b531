import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Folders the bench reads and writes, resolved from this file (not the caller's cwd). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = join(BENCH_DIR, "..");
export const RESULTS_DIR = join(BENCH_DIR, "results");
export const REPORT_FILE = join(BENCH_DIR, "report.md");
/** Scratch for logs, generated env files and wrangler state (gitignored). */
export const RUN_DIR = join(BENCH_DIR, ".run");
export const LOG_DIR = join(RUN_DIR, "logs");
export const VENV_DIR = join(BENCH_DIR, ".venv");
