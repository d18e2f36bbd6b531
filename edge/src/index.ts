import { env as isolateEnv } from "cloudflare:workers";
import type { ExecutionContext } from "hono";
import { createApp } from "./app";
import { EdgeConfigError, type EdgeEnv, loadEdgeConfig } from "./config";
import { createEdgeDependencies } from "./dependencies";
import { ApiError } from "./http/errors";
import { type StaticAssetsBindings, serveStaticAsset, wantsStaticAsset } from "./static-assets";

/** The Durable Object that adds up metrics across isolates (binding in wrangler.toml). */
export { MetricsAggregator } from "./metrics/aggregator-object";

type App = ReturnType<typeof createApp>;
type Built = { ok: true; app: App } | { ok: false; error: ApiError };
let cached: { env: EdgeEnv; built: Built } | undefined;

/**
 * Self-hosted workerd binds every setting from its environment (infra/workerd/switchyard.capnp),
 * and an unset variable arrives as null: treat it as absent so the schema's default applies.
 */
function withoutNulls(env: EdgeEnv): EdgeEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== null)) as EdgeEnv;
}

/**
 * One app per isolate (built at isolate start or on the first request, when the bindings are
 * known). A bad configuration is reported once, in the log, and every request (health included)
 * answers a JSON 503 naming the variable: never a 500 with a stack trace.
 */
function build(env: EdgeEnv): Built {
  try {
    const config = loadEdgeConfig(withoutNulls(env));
    return { ok: true, app: createApp(config, createEdgeDependencies(config)) };
  } catch (error) {
    const variables = error instanceof EdgeConfigError ? error.variables : [];
    const message = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({ msg: "edge configuration invalid", variables, error: message }));
    return {
      ok: false,
      error: new ApiError(
        503,
        "invalid_configuration",
        variables.length > 0
          ? `The gateway is misconfigured: ${message}`
          : "The gateway failed to start; see its log",
        { param: variables[0] ?? null, headers: { "retry-after": "60" } },
      ),
    };
  }
}

/** Whether two binding sets carry the same settings (text values: vars and secrets; unset is null). */
function sameSettings(a: EdgeEnv, b: EdgeEnv): boolean {
  const settings = (e: EdgeEnv) =>
    Object.entries(e as Record<string, unknown>).filter(([, v]) => typeof v === "string" || v === null);
  const left = settings(a);
  const right = new Map(settings(b));
  return left.length === right.size && left.every(([k, v]) => right.get(k) === v);
}

// Isolate start, before any request: the router's ONNX session (wasm instantiation and model
// parse, a few hundred ms of CPU, plus one warm-up inference) and the app are made now, so the
// first request, even one that names its model, does not wait for them. The policy shares the
// session promise; a failure surfaces there as before ("default:classifier-unavailable"). The
// app is built from the importable env and adopted by the first request whose bindings carry
// the same settings. Only a build that succeeded is kept: a bad configuration is reported by the
// first request's build, once, as before (and workerd forbids timers and random values here, so
// anything that needs them falls back to that build too).
let startBuilt: { env: EdgeEnv; app: App } | undefined;
const startEnv = isolateEnv as EdgeEnv;
if ((withoutNulls(startEnv).SWITCHYARD_ROUTING_POLICY ?? "classifier") === "classifier")
  // Imported on demand, as the policy does: the bundle inlines it, test runners may lack its .wasm.
  import("./routing/classifier/workerd")
    .then(({ loadBundledRouter }) => loadBundledRouter())
    // One inference on a zero row: the wasm code paths of a run are warm before the first `auto`.
    .then(({ session, meta }) => session.run(new Float32Array(meta.features.dim), 1))
    .catch(() => {});
try {
  const config = loadEdgeConfig(withoutNulls(startEnv));
  startBuilt = { env: startEnv, app: createApp(config, createEdgeDependencies(config)) };
} catch {
  startBuilt = undefined;
}

function builtFor(env: EdgeEnv): Built {
  if (cached?.env !== env) {
    const adopted =
      startBuilt && sameSettings(startBuilt.env, env)
        ? { ok: true as const, app: startBuilt.app }
        : undefined;
    cached = { env, built: adopted ?? build(env) };
    startBuilt = undefined;
  }
  return cached.built;
}

function handle(request: Request, env: EdgeEnv, ctx: ExecutionContext): Response | Promise<Response> {
  const built = builtFor(env);
  return built.ok ? built.app.fetch(request, env, ctx) : built.error.getResponse();
}

/** The Worker entry; self-hosted, web/dist's files first where wrangler.toml's [assets] says so. */
export default {
  fetch(
    request: Request,
    env: EdgeEnv & StaticAssetsBindings,
    ctx: ExecutionContext,
  ): Response | Promise<Response> {
    if (!wantsStaticAsset(request, env)) return handle(request, env, ctx);
    return serveStaticAsset(request, env).then((asset) => asset ?? handle(request, env, ctx));
  },
};
