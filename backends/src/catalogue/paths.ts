import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (this file lives in backends/src/catalogue/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Absolute path of backends/models.json. */
export const cataloguePath = resolve(repoRoot, "backends/models.json");

/**
 * Where GGUF files live: `SWITCHYARD_MODEL_DIR`, else `<repo root>/../shared/models`.
 *
 * @example defaultModelDir() // "/work/shared/models" for a checkout at /work/main
 */
export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SWITCHYARD_MODEL_DIR?.trim();
  return fromEnv ? resolve(fromEnv) : resolve(repoRoot, "../shared/models");
}

/**
 * Hugging Face base URL: `SWITCHYARD_HF_ENDPOINT` (a mirror, or an unreachable
 * address in tests), else https://huggingface.co/.
 */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SWITCHYARD_HF_ENDPOINT?.trim() || "https://huggingface.co/";
  return base.endsWith("/") ? base : `${base}/`;
}

/** Browser/curl URL of a `hf:<user>/<repo>/<file>` URI (main branch). */
export function hfUriToUrl(uri: string, env: NodeJS.ProcessEnv = process.env): string {
  const [user, repo, ...file] = uri.slice("hf:".length).split("/");
  return `${hfEndpoint(env)}${user}/${repo}/resolve/main/${file.join("/")}`;
}
