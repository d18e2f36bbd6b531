import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { ApiError, errorBody, onApiError } from "./api/errors.js";
import { type AppEnv, observationOf } from "./app-env.js";
import type { Embedder } from "./engine/embedder.js";
import { apiKeyAuth } from "./middleware/api-key/index.js";
import { requestLog } from "./middleware/request-log/index.js";
import { requestMetrics } from "./middleware/request-metrics/index.js";
import { requestTracing } from "./middleware/tracing/index.js";
import { chatCompletionsRoute } from "./routes/chat-completions.js";
import { completionsRoute } from "./routes/completions.js";
import { embeddingsRoute } from "./routes/embeddings.js";
import { generateRoute } from "./routes/generate.js";
import type { RouteDeps } from "./routes/route-deps.js";
import { statusRoutes } from "./routes/status.js";
import type { Logger } from "./telemetry/logger.js";
import type { Tracing } from "./telemetry/tracing.js";

export interface AppOptions extends RouteDeps {
  /** Serves /v1/embeddings when set (`--embeddings`). */
  embedder?: Embedder | undefined;
  modelId: string;
  logger: Logger;
  tracing: Tracing;
  apiKey: string | undefined;
  bodyLimitBytes: number;
}

/** Paths that answer without an API key (liveness only). */
export const PUBLIC_PATHS = ["/health"] as const;

/**
 * The Hono app of one model server: observability first (so rejected requests are logged and
 * counted), then the API key, body limit, and the routes. Every error leaves as OpenAI-style JSON.
 *
 * @example const app = createApp({ runtime, metrics, limits, hashPrompt, modelId, logger, tracing, apiKey, bodyLimitBytes });
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(
    requestTracing({
      tracer: options.tracing.tracer,
      propagator: options.tracing.propagator,
      modelId: options.modelId,
    }),
  );
  app.use(
    requestLog({
      logger: options.logger,
      modelId: options.modelId,
      quietPaths: ["/health", "/ready", "/metrics"],
    }),
  );
  app.use(requestMetrics({ metrics: options.metrics }));
  app.use(apiKeyAuth({ apiKey: options.apiKey, publicPaths: PUBLIC_PATHS }));
  const limitBody = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: () => {
      throw new ApiError("request_too_large", `request body exceeds ${options.bodyLimitBytes} bytes`);
    },
  });
  app.use("/v1/*", limitBody);
  app.use("/generate", limitBody);
  app.route("/", statusRoutes(options));
  app.route("/", chatCompletionsRoute(options));
  app.route("/", completionsRoute(options));
  app.route("/", embeddingsRoute({ ...options, embedder: options.embedder }));
  app.route("/", generateRoute(options));
  app.notFound((c) => {
    observationOf(c).errorKind = "not_found";
    return c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError(onApiError);
  return app;
}
