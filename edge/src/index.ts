import type { ExecutionContext } from "hono";
import { createApp } from "./app";
import { type EdgeEnv, loadEdgeConfig } from "./config";
import { createEdgeDependencies } from "./config/dependencies";

/** The Durable Object that adds up metrics across isolates (binding in wrangler.toml). */
export { MetricsAggregator } from "./metrics/aggregator-object";

type App = ReturnType<typeof createApp>;
let cached: { env: EdgeEnv; app: App } | undefined;

/** One app per isolate (built on the first request, when the bindings are known). */
function appFor(env: EdgeEnv): App {
  if (cached?.env !== env) {
    const config = loadEdgeConfig(env);
    cached = { env, app: createApp(config, createEdgeDependencies(config)) };
  }
  return cached.app;
}

/** The Worker entry. */
export default {
  fetch(request: Request, env: EdgeEnv, ctx: ExecutionContext): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx);
  },
};
