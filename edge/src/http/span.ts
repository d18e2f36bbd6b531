import type { Context } from "hono";

/** One edge span: enough to export as OTLP and to continue the trace upstream. */
export interface EdgeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** W3C `traceparent` for requests this span makes (the backend's span becomes its child). */
  traceparent: string;
  /**
   * Attributes learnt while the response streams (the model that finished a continued answer,
   * the failure it was rescued from); exported with the span, over those read from the headers.
   */
  attributes: Record<string, string | number>;
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the tracing middleware (declared here so the layers below it can read it). */
    span: EdgeSpan;
  }
}

/**
 * The span of a request (undefined outside the tracing middleware). Kept on the context, not
 * keyed by the Request: middleware such as the body limit replace `c.req.raw` on the way.
 */
export function spanOf(c: Context): EdgeSpan | undefined {
  return c.get("span");
}
