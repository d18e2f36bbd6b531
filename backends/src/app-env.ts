import type { Context as OtelContext, Span } from "@opentelemetry/api";
import type { Context } from "hono";
import type { ErrorKind } from "../../vocabulary/errors.js";

/**
 * What a request handler learned, read by the log, metrics and tracing middleware once the
 * response is complete (for streams that is after the last SSE event, hence `settled`).
 */
export interface RequestObservation {
  /** Resolves when the response body is fully written (streams) or immediately. */
  settled: Promise<void>;
  errorKind?: ErrorKind;
  promptHash?: string;
  promptTokens?: number;
  completionTokens?: number;
  finishReason?: string;
  queueMs?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
  stream?: boolean;
}

/** Hono environment shared by the app, routes and middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    observation: RequestObservation;
    /** Set by the tracing middleware: the request span and the context to start children in. */
    span: Span;
    traceContext: OtelContext;
  };
}

/**
 * The request's observation, created on first use so any middleware order works.
 *
 * @example observationOf(c).promptTokens = 12;
 */
export function observationOf(c: Context<AppEnv>): RequestObservation {
  let observation = c.get("observation") as RequestObservation | undefined;
  if (!observation) {
    observation = { settled: Promise.resolve() };
    c.set("observation", observation);
  }
  return observation;
}
