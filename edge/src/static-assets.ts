/**
 * wrangler.toml's `[assets]` rules for the self-hosted edge (infra/workerd), applied in the edge's
 * own entry: a request for a `run_worker_first` path, or any non-GET/HEAD one, goes straight to
 * the app; any other asks the static-files worker (infra/workerd/static-files.ts) first. API
 * traffic thus enters one isolate, not a front worker and then the edge over a service binding,
 * which cost 0.3-0.8 ms of CPU per streamed request on workerd. On Cloudflare the platform applies
 * the rules before the worker runs, and neither binding exists.
 *
 * @example
 * if (wantsStaticAsset(request, env)) return serveStaticAsset(request, env).then((r) => r ?? app.fetch(request, env, ctx));
 */

/** What the static-files worker looks like from here. */
export interface StaticFilesFetcher {
  fetch(request: Request): Promise<Response>;
}

/** Bound by infra/workerd/switchyard.capnp only. */
export interface StaticAssetsBindings {
  /** The static-files worker: web/dist's file, index.html for a navigation, or a 404 marked `NO_ASSET_HEADER`. */
  STATIC_FILES?: StaticFilesFetcher;
  /** wrangler.toml `[assets] run_worker_first`, as infra/workerd/build.ts writes it. */
  ASSETS_ROUTING?: { runWorkerFirst: string[] };
}

/** Marks the static-files worker's answer "no such file": the app answers instead. */
export const NO_ASSET_HEADER = "x-switchyard-no-asset";

/** A `run_worker_first` pattern (`*` matches any run of characters) as a regular expression. */
function assetPatternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

let compiled: { from: string[]; workerFirst: RegExp[] } | undefined;

/** Whether to ask the static-files worker before the app (never for API methods and paths). */
export function wantsStaticAsset(request: Request, env: StaticAssetsBindings): boolean {
  if (!env.STATIC_FILES || (request.method !== "GET" && request.method !== "HEAD")) return false;
  const from = env.ASSETS_ROUTING?.runWorkerFirst ?? [];
  if (compiled?.from !== from) compiled = { from, workerFirst: from.map(assetPatternToRegExp) };
  const { pathname } = new URL(request.url);
  return !compiled.workerFirst.some((re) => re.test(pathname));
}

/** The static file for `request`, or null when there is none and the app should answer. */
export async function serveStaticAsset(
  request: Request,
  env: StaticAssetsBindings,
): Promise<Response | null> {
  const res = await (env.STATIC_FILES as StaticFilesFetcher).fetch(request);
  if (!res.headers.has(NO_ASSET_HEADER)) return res;
  await res.body?.cancel();
  return null;
}
