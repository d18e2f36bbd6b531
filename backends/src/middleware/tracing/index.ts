import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapPropagator,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { type AppEnv, observationOf } from "../../app-env.js";

export interface RequestTracingOptions {
  tracer: Tracer;
  /** W3C trace-context propagator: continues the caller's `traceparent`. */
  propagator: TextMapPropagator;
  modelId: string;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * One SERVER span per request, child of the incoming `traceparent` when there is one.
 * The span ends when the response is complete (after the last SSE event for streams);
 * handlers start child spans from `c.var.traceContext`.
 *
 * @example app.use(requestTracing({ tracer, propagator: new W3CTraceContextPropagator(), modelId }));
 */
export function requestTracing(options: RequestTracingOptions): MiddlewareHandler<AppEnv> {
  const { tracer, propagator, modelId } = options;
  return async (c, next) => {
    const parent = propagator.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const span = tracer.startSpan(
      `${c.req.method} ${c.req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": c.req.method,
          "url.path": c.req.path,
          "gen_ai.request.model": modelId,
          // The request id (the edge's x-request-id when it sent one) ties the span to log lines.
          "switchyard.request_id": c.get("requestId"),
        },
      },
      parent,
    );
    c.set("span", span);
    c.set("traceContext", trace.setSpan(parent, span));
    await next();
    const route = routePath(c, -1);
    const status = c.res.status;
    const observation = observationOf(c);
    void observation.settled.finally(() => {
      span.updateName(`${c.req.method} ${route}`);
      span.setAttributes({
        "http.route": route,
        "http.response.status_code": status,
        ...(observation.promptTokens !== undefined
          ? { "gen_ai.usage.input_tokens": observation.promptTokens }
          : {}),
        ...(observation.completionTokens !== undefined
          ? { "gen_ai.usage.output_tokens": observation.completionTokens }
          : {}),
      });
      if (observation.errorKind)
        span.setStatus({ code: SpanStatusCode.ERROR, message: observation.errorKind });
      span.end();
    });
  };
}
