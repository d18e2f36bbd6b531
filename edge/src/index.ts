import type { ExecutionContext } from "hono";
import { createApp } from "./app";
import { EdgeConfigError, type EdgeEnv, loadEdgeConfig } from "./config";
import { createEdgeDependencies } from "./config/dependencies";
import { ApiError } from "./http/errors";

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
 * One app per isolate (built on the first request, when the bindings are known). A bad
 * configuration is reported once, in the log, and every request (health included) answers a
 * JSON 503 naming the variable: never a 500 with a stack trace.
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

/** The Worker entry. */
export default {
  fetch(request: Request, env: EdgeEnv, ctx: ExecutionContext): Response | Promise<Response> {
    if (cached?.env !== env) cached = { env, built: build(env) };
    const { built } = cached;
    return built.ok ? built.app.fetch(request, env, ctx) : built.error.getResponse();
  },
};
