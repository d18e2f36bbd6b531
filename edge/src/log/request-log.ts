import type { Context } from "hono";
import { hmacPromptHash } from "../../../vocabulary/prompt-hash";
import { background } from "../http/background";
import type { EdgeHonoEnv } from "../http/context";
import { spanOf } from "../http/span";
import type { EdgeMetrics } from "../metrics/registry";
import type { RequestLogSink, RequestRecord } from "./request-record";

/** What the request asked for (the parts of a completion request the log keeps). */
export interface LoggedRequest {
  endpoint: RequestRecord["endpoint"];
  requestedModel: string;
  stream: boolean;
  /** Hashed with the server's key; never stored. */
  promptText: string;
}

/** How the request ended. */
export type RequestFacts = Pick<
  RequestRecord,
  | "status"
  | "outcome"
  | "errorCode"
  | "modelId"
  | "ttftMs"
  | "promptTokens"
  | "completionTokens"
  | "attempts"
  | "fallbackFrom"
  | "continuedAfter"
  | "routeReason"
  | "routeConfidence"
>;

/** How a request ended when no model answered it (nothing generated, no attempt counted). */
export function unanswered(
  status: number,
  outcome: RequestRecord["outcome"],
  errorCode: string,
  route: { reason: string; confidence: number | null } = { reason: "none", confidence: null },
): RequestFacts {
  return {
    status,
    outcome,
    errorCode,
    modelId: null,
    ttftMs: null,
    promptTokens: null,
    completionTokens: null,
    attempts: 0,
    fallbackFrom: [],
    continuedAfter: null,
    routeReason: route.reason,
    routeConfidence: route.confidence,
  };
}

export interface RequestLogOptions {
  metrics: EdgeMetrics;
  sink: RequestLogSink;
  promptHashKey: string;
}

export interface RequestLog {
  /** Records one finished request: metrics now, the log record off the response path. */
  record(c: Context<EdgeHonoEnv>, request: LoggedRequest, startedAt: number, facts: RequestFacts): void;
}

/**
 * The request log of completions (answered, refused, served from cache): request metrics at
 * once, the record (prompt as a keyed hash only) written in the background, where a database
 * outage is counted and never fails the request.
 *
 * @example
 * const log = createRequestLog({ metrics, sink, promptHashKey });
 * log.record(c, { endpoint, requestedModel, stream, promptText }, started, unanswered(404, "rejected", "model_not_found"));
 */
export function createRequestLog(options: RequestLogOptions): RequestLog {
  const { metrics, sink } = options;
  return {
    record(c, request, startedAt, f) {
      const latencyMs = Date.now() - startedAt;
      const cache = c.get("cacheStatus") ?? "BYPASS";
      const route = request.endpoint;
      metrics.requests.inc({
        route,
        model: f.modelId ?? "none",
        status: String(f.status),
        outcome: f.outcome,
        cache,
      });
      metrics.latency.observe({ route }, latencyMs / 1000);
      if (f.ttftMs !== null) metrics.ttft.observe({ route }, f.ttftMs / 1000);
      const write = async () => {
        const record: RequestRecord = {
          id: c.get("requestId"),
          timestamp: new Date(startedAt).toISOString(),
          user: c.get("principal")?.id ?? "anonymous",
          endpoint: request.endpoint,
          requestedModel: request.requestedModel,
          cache,
          stream: request.stream,
          latencyMs,
          ...f,
          promptHash: await hmacPromptHash(options.promptHashKey, request.promptText),
          traceId: spanOf(c)?.traceId ?? null,
        };
        await sink.write(record);
      };
      background(
        c,
        write().catch((error: unknown) => {
          metrics.logWriteFailures.inc();
          console.error(
            JSON.stringify({
              msg: "request log write failed",
              requestId: c.get("requestId"),
              error: String(error),
            }),
          );
        }),
      );
    },
  };
}
