import { type Context as OtelContext, trace } from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { LOG_FIELDS } from "../../../../vocabulary/log-fields.js";
import { type AppEnv, observationOf } from "../../app-env.js";
import type { Logger } from "../../telemetry/logger.js";

export interface RequestLogOptions {
  logger: Logger;
  modelId: string;
  /** Paths not worth a log line each (probes and scrapes, polled every few seconds). */
  quietPaths?: readonly string[];
}

/**
 * One JSON log line per request, written when the response is complete (streams included):
 * request id, trace id, model, status, timings, token counts and the prompt's HMAC hash (never the prompt).
 *
 * @example app.use(requestLog({ logger: createJsonLogger(), modelId: "stories260k" }));
 */
export function requestLog(options: RequestLogOptions): MiddlewareHandler<AppEnv> {
  const { logger, modelId, quietPaths = [] } = options;
  return async (c, next) => {
    const started = performance.now();
    await next();
    if (quietPaths.includes(c.req.path)) return;
    const status = c.res.status;
    const route = routePath(c, -1);
    const observation = observationOf(c);
    void observation.settled.finally(() => {
      const traceContext = c.get("traceContext") as OtelContext | undefined;
      const spanContext = traceContext ? trace.getSpan(traceContext)?.spanContext() : undefined;
      const errorKind = observation.errorKind;
      logger.log(
        errorKind === "internal_error" || errorKind === "generation_failed"
          ? "error"
          : errorKind || status >= 400
            ? "warn"
            : "info",
        "request",
        {
          [LOG_FIELDS.requestId]: c.get("requestId"),
          [LOG_FIELDS.traceId]: spanContext?.traceId,
          [LOG_FIELDS.spanId]: spanContext?.spanId,
          [LOG_FIELDS.model]: modelId,
          method: c.req.method,
          route,
          [LOG_FIELDS.status]: status,
          [LOG_FIELDS.durationMs]: Math.round((performance.now() - started) * 10) / 10,
          [LOG_FIELDS.stream]: observation.stream,
          [LOG_FIELDS.errorKind]: errorKind,
          [LOG_FIELDS.promptHash]: observation.promptHash,
          [LOG_FIELDS.promptTokens]: observation.promptTokens,
          [LOG_FIELDS.completionTokens]: observation.completionTokens,
          [LOG_FIELDS.finishReason]: observation.finishReason,
          queue_ms: observation.queueMs,
          [LOG_FIELDS.ttftMs]: observation.ttftMs,
          tokens_per_second: observation.tokensPerSecond,
        },
      );
    });
  };
}
