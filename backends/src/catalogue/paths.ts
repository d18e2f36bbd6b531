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

/** Browser/curl URL of a `hf:<user>/<repo>/<file>` URI (main branch). */
export function hfUriToUrl(uri: string): string {
  const [user, repo, ...file] = uri.slice("hf:".length).split("/");
  return `https://huggingface.co/${user}/${repo}/resolve/main/${file.join("/")}`;
}
