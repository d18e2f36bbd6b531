import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { type CompletionDeps, runCompletion } from "./completion/pipeline";
import { FALLBACK_HEADER, fromChat, fromGenerate, fromTextCompletion } from "./completion/request";
import type { EdgeConfig } from "./config";
import type { EdgeDependencies } from "./dependencies";
import { forwardEmbeddings } from "./embeddings/forward";
import { completionCacheHooks } from "./endpoints/cache-hooks";
import type { EdgeHonoEnv } from "./http/context";
import { ApiError, renderError } from "./http/errors";
import { methodNotAllowedOr404 } from "./http/method-not-allowed";
import { metricsTokenMatches } from "./http/metrics-token";
import { createRequestLog } from "./log/request-log";
import { recordCircuitStates } from "./metrics/attempts";
import { httpMetrics } from "./metrics/http-metrics";
import { aggregatorNamespace, createMetricsPublisher } from "./metrics/publisher";
import { createEdgeMetrics } from "./metrics/registry";
import { auth, createJwtVerifier, parseApiKeys } from "./middleware/auth";
import { devTokenRoutes } from "./middleware/auth/dev-token-routes";
import { cache } from "./middleware/cache";
import { corsPolicy } from "./middleware/cors";
import { openaiParams } from "./middleware/openai-params";
import { rateLimit } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { tracing } from "./middleware/tracing";
import { createHedgeDelays } from "./proxy/hedge";
import { ReplicaPool } from "./proxy/replicas";
import { responsesAdapter } from "./responses/adapter";
import { fromResponses } from "./responses/request";
import { chatCompletionsRoute, generateRoute } from "./routes/completions";
import { EMBEDDINGS_FIELDS, embeddingsRoute } from "./routes/embeddings";
import { CHAT_FIELDS } from "./routes/fields";
import { modelRoutes } from "./routes/models";
import { RESPONSES_FIELDS, responsesRoute } from "./routes/responses";
import { STREAM_SCHEMAS } from "./routes/schemas";
import { healthRoute, metricsRoute } from "./routes/service";
import { COMPLETIONS_FIELDS, textCompletionsRoute } from "./routes/text-completions";
import { createRoutingPolicy } from "./routing";

/**
 * The edge gateway as a Hono app: request id -> CORS -> tracing -> metrics -> auth -> rate limit ->
 * body limit -> field screening -> cache -> validation -> route -> proxy -> log. The body limit
 * runs after auth and rate limit, so an anonymous or throttled client cannot make the edge read a
 * large body (docs/docs.test.ts checks this order against the behaviour). Per-isolate state
 * (breakers, metrics, round-robin counter) lives in this app instance.
 *
 * @example
 * const app = createApp(loadEdgeConfig(env), createEdgeDependencies(config));
 * export default { fetch: app.fetch };
 */
export function createApp(config: EdgeConfig, deps: EdgeDependencies) {
  const metrics = createEdgeMetrics();
  // Totals across isolates: increments go to the metrics Durable Object (see metrics/publisher.ts).
  const metricsPublisher = createMetricsPublisher({ registry: metrics.registry });
  const breaker = {
    failureThreshold: config.proxy.breakerFailures,
    cooldownMs: config.proxy.breakerCooldownMs,
  };
  const pools = new Map(config.roster.map((m) => [m.id, new ReplicaPool(m.backends, breaker)]));
  const replicasFor = (modelId: string) => pools.get(modelId);
  const modelIds = config.roster.map((m) => m.id);
  metrics.registry.onCollect(() =>
    recordCircuitStates(metrics, modelIds, (id) => replicasFor(id) ?? { state: "closed" }),
  );
  const completionDeps: CompletionDeps = {
    config,
    routing: createRoutingPolicy({ roster: config.roster, auto: deps.autoPolicy }),
    replicasFor,
    hedges: createHedgeDelays({ policy: config.proxy.hedge, ttftBudgetMs: config.proxy.ttftBudgetMs }),
    metrics,
    requestLog: createRequestLog({ metrics, sink: deps.logSink, promptHashKey: config.promptHashKey }),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
  deps.onLogWriteFailure?.(() => metrics.logWriteFailures.inc());
  const onStateError = (error: unknown) => {
    metrics.stateErrors.inc();
    console.error(JSON.stringify({ msg: "state store failed", error: String(error) }));
  };

  const app = new OpenAPIHono<EdgeHonoEnv>({
    // Validation failures answer in OpenAI's error shape, naming the first offending field.
    defaultHook: (result) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const param = issue?.path.join(".") || null;
      throw new ApiError(
        400,
        "invalid_request",
        param ? `${param}: ${issue?.message}` : (issue?.message ?? "Invalid request"),
        { param },
      );
    },
  });
  app.onError(renderError);
  app.notFound(methodNotAllowedOr404(() => app.routes));
  app.use("*", requestId());
  // Before auth: a browser preflight carries no credentials and must not get a 401.
  app.use("*", corsPolicy({ origins: config.corsOrigins }));
  app.use(
    "*",
    tracing({
      endpoint: (env) =>
        (env as { OTEL_EXPORTER_OTLP_ENDPOINT?: string } | undefined)?.OTEL_EXPORTER_OTLP_ENDPOINT ||
        undefined,
    }),
  );
  app.use("*", httpMetrics({ metrics, modelIds, publisher: metricsPublisher }));

  const authenticate = auth({
    apiKeys: parseApiKeys(config.auth.apiKeys),
    verifyJwt: createJwtVerifier({
      secret: config.auth.jwtSecret,
      jwksUrl: config.auth.jwksUrl,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    }),
    allowAnonymous: config.auth.allowAnonymous,
    requiredScope: config.auth.requiredScope,
  });
  const limit = rateLimit({ store: deps.tokenBuckets, bucket: config.rateLimit, onStoreError: onStateError });
  const sizeLimit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new ApiError(413, "request_too_large", `Request body exceeds ${config.maxBodyBytes} bytes`);
    },
  });
  for (const path of ["/v1/*", "/generate"]) app.use(path, authenticate, limit);
  const chatParams = openaiParams({ fields: CHAT_FIELDS, drop: config.dropUnsupportedParams });
  const params = {
    "chat.completions": [chatParams],
    generate: [],
    completions: [openaiParams({ fields: COMPLETIONS_FIELDS, drop: config.dropUnsupportedParams })],
    // The adapter sits before the cache, so hits are converted like fresh replies.
    responses: [
      openaiParams({ fields: RESPONSES_FIELDS, drop: config.dropUnsupportedParams }),
      responsesAdapter(),
    ],
  };
  for (const [path, endpoint] of [
    ["/v1/chat/completions", "chat.completions"],
    ["/generate", "generate"],
    ["/v1/completions", "completions"],
    ["/v1/responses", "responses"],
  ] as const) {
    app.on(
      "POST",
      path,
      sizeLimit,
      ...params[endpoint],
      cache({
        store: deps.cache,
        ttlSeconds: config.cache.ttlSeconds,
        onStoreError: onStateError,
        ...completionCacheHooks(endpoint, completionDeps),
      }),
    );
  }

  app.openapi(
    chatCompletionsRoute,
    (c) =>
      runCompletion(c, fromChat(c.req.valid("json"), c.req.header(FALLBACK_HEADER)), completionDeps) as never,
  );
  app.openapi(
    generateRoute,
    (c) =>
      runCompletion(
        c,
        fromGenerate(c.req.valid("json"), c.req.header(FALLBACK_HEADER)),
        completionDeps,
      ) as never,
  );

  app.openapi(
    textCompletionsRoute,
    (c) =>
      runCompletion(
        c,
        fromTextCompletion(c.req.valid("json"), c.req.header(FALLBACK_HEADER)),
        completionDeps,
      ) as never,
  );

  app.openapi(
    responsesRoute,
    (c) =>
      runCompletion(
        c,
        fromResponses(c.req.valid("json"), c.req.header(FALLBACK_HEADER)),
        completionDeps,
      ) as never,
  );

  // Embeddings: explicit model only, no response cache, no stand-in model (see embeddings/forward.ts).
  app.post(
    "/v1/embeddings",
    sizeLimit,
    openaiParams({ fields: EMBEDDINGS_FIELDS, drop: config.dropUnsupportedParams }),
  );
  app.openapi(embeddingsRoute, (c) => forwardEmbeddings(c, c.req.valid("json"), completionDeps) as never);

  app.route("/", modelRoutes(config.roster));
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const, models: config.roster.length }, 200));
  app.openapi(metricsRoute, async (c) => {
    if (!(await metricsTokenMatches(config.metricsToken, c.req.header("authorization")))) {
      throw new ApiError(
        401,
        "invalid_metrics_token",
        "Metrics need Authorization: Bearer <SWITCHYARD_METRICS_TOKEN>",
        {
          headers: { "www-authenticate": 'Bearer realm="switchyard-metrics"' },
        },
      );
    }
    const aggregator = aggregatorNamespace(c.env);
    const text = aggregator ? await metricsPublisher.scrape(aggregator) : metrics.registry.render();
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  if (config.auth.devTokens && config.auth.jwtSecret) {
    app.route(
      "/dev",
      devTokenRoutes({
        secret: config.auth.jwtSecret,
        issuer: config.auth.issuer,
        audience: config.auth.audience,
      }),
    );
  }

  for (const [name, schema] of Object.entries(STREAM_SCHEMAS)) app.openAPIRegistry.register(name, schema);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API key or JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Switchyard edge",
      version: "0.1.0",
      description: "One OpenAI-compatible endpoint in front of several self-hosted LLMs.",
    },
  });
  return app;
}
