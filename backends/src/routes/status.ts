import { Hono } from "hono";
import { errorBody } from "../api/errors.js";
import type { AppEnv } from "../app-env.js";
import { RETRY_AFTER_SECONDS } from "../engine/model-runtime.js";
import type { RouteDeps } from "./route-deps.js";

/**
 * GET /health (liveness: the process answers), GET /ready (readiness: 503 while loading,
 * draining or saturated), GET /v1/models, GET /metrics (Prometheus text format).
 *
 * @example app.route("/", statusRoutes(deps));
 */
export function statusRoutes(deps: RouteDeps) {
  const { runtime, metrics } = deps;
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" }))
    .get("/ready", (c) => {
      const stats = runtime.stats;
      const body = {
        status: runtime.isReady ? "ready" : runtime.state === "ready" ? "saturated" : runtime.state,
        model: runtime.loaded?.id ?? null,
        // "ChatML" (the chat wrapper from the GGUF's template) or "raw", and why.
        prompt_format: runtime.loaded ? runtime.promptFormat : null,
        prompt_format_source: runtime.loaded?.promptFormatSource ?? null,
        ...stats,
      };
      if (!runtime.isReady) c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return c.json(body, runtime.isReady ? 200 : 503);
    })
    .get("/v1/models", (c) => {
      const loaded = runtime.loaded;
      if (!loaded) return c.json(errorBody("model_loading", "model is loading"), 503);
      return c.json({
        object: "list",
        data: [
          {
            id: loaded.id,
            object: "model",
            created: 0,
            owned_by: "switchyard",
            context_length: loaded.contextSize,
            prompt_format: runtime.promptFormat,
            dev_stand_in: loaded.resolved.isDevStandIn,
          },
        ],
      });
    })
    .get("/metrics", async (c) =>
      c.text(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }),
    );
}
