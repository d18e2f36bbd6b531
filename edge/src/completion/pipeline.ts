import type { Context } from "hono";
import type { EdgeConfig } from "../config";
import { background } from "../http/background";
import { type EdgeHonoEnv, SWITCHYARD_HEADERS } from "../http/context";
import { ApiError } from "../http/errors";
import { hmacPromptHash } from "../log/prompt-hash";
import type { RequestLogSink, RequestRecord } from "../log/request-record";
import { recordCircuitStates, trackAttempts } from "../metrics/attempts";
import { noteUpstreamTtft } from "../metrics/http-metrics";
import type { EdgeMetrics } from "../metrics/registry";
import type { CachedCompletion } from "../middleware/cache/entry";
import { spanOf } from "../middleware/tracing";
import { ClientGone } from "../proxy/attempt";
import { dispatch } from "../proxy/dispatch";
import type { ReplicaPool } from "../proxy/replicas";
import type { RoutingDecision, RoutingPolicy } from "../routing";
import { type ReplyMeta, replyFormats, type SwitchyardInfo } from "./format";
import { modelChoiceRefusal, unavailableError } from "./model-choice";
import { type RelayOutcome, relayJson, relayStream } from "./relay";
import {
  type CompletionRequest,
  lastUserText,
  promptText,
  requiredCapabilities,
  upstreamBody,
} from "./request";

export interface CompletionDeps {
  config: EdgeConfig;
  routing: RoutingPolicy;
  /** The backends of a served model (breakers and load per replica). */
  replicasFor: (modelId: string) => ReplicaPool | undefined;
  metrics: EdgeMetrics;
  logSink: RequestLogSink;
  fetch?: typeof fetch;
}

type C = Context<EdgeHonoEnv>;

/** Sets the x-switchyard-* headers that say which model answered and why. */
export function switchyardHeaders(info: SwitchyardInfo): Record<string, string> {
  return {
    [SWITCHYARD_HEADERS.model]: info.model ?? "none",
    [SWITCHYARD_HEADERS.routeReason]: info.route_reason,
    [SWITCHYARD_HEADERS.routeConfidence]:
      info.route_confidence === null ? "none" : String(info.route_confidence),
    [SWITCHYARD_HEADERS.cache]: info.cache,
  };
}

interface Finish {
  status: number;
  outcome: RequestRecord["outcome"];
  errorCode: string | null;
  modelId: string | null;
  ttftMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  attempts: number;
  fallbackFrom: string[];
}

/** How a request ended when no model answered it (nothing generated, no attempt counted). */
function unanswered(status: number, outcome: RequestRecord["outcome"], errorCode: string): Finish {
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
  };
}

/** Records a finished request: metrics now, the request log off the response path. */
export function recordRequest(
  c: C,
  deps: CompletionDeps,
  req: CompletionRequest,
  started: number,
  route: { reason: string; confidence: number | null },
  f: Finish,
): void {
  const latencyMs = Date.now() - started;
  const cache = c.get("cacheStatus") ?? "BYPASS";
  deps.metrics.requests.inc({
    route: req.endpoint,
    model: f.modelId ?? "none",
    status: String(f.status),
    outcome: f.outcome,
    cache,
  });
  deps.metrics.latency.observe({ route: req.endpoint }, latencyMs / 1000);
  if (f.ttftMs !== null) deps.metrics.ttft.observe({ route: req.endpoint }, f.ttftMs / 1000);
  const write = async () => {
    const record: RequestRecord = {
      id: c.get("requestId"),
      timestamp: new Date(started).toISOString(),
      user: c.get("principal")?.id ?? "anonymous",
      endpoint: req.endpoint,
      requestedModel: req.model,
      modelId: f.modelId,
      status: f.status,
      outcome: f.outcome,
      errorCode: f.errorCode,
      cache,
      stream: req.stream,
      latencyMs,
      ttftMs: f.ttftMs,
      promptTokens: f.promptTokens,
      completionTokens: f.completionTokens,
      routeReason: route.reason,
      routeConfidence: route.confidence,
      attempts: f.attempts,
      fallbackFrom: f.fallbackFrom,
      promptHash: await hmacPromptHash(deps.config.promptHashKey, promptText(req)),
      traceId: spanOf(c.req.raw)?.traceId ?? null,
    };
    await deps.logSink.write(record);
  };
  // A database outage must never fail a request: count it and move on.
  background(
    c,
    write().catch((error: unknown) => {
      deps.metrics.logWriteFailures.inc();
      console.error(
        JSON.stringify({
          msg: "request log write failed",
          requestId: c.get("requestId"),
          error: String(error),
        }),
      );
    }),
  );
}

/** W3C trace context and the request id for the backend, so its span and log line join this request. */
function upstreamHeaders(c: C): Record<string, string> {
  const span = spanOf(c.req.raw);
  return { "x-request-id": c.get("requestId"), ...(span ? { traceparent: span.traceparent } : {}) };
}

function metaFor(
  c: C,
  modelId: string | null,
  decision: Pick<RoutingDecision, "reason" | "confidence">,
  attempts: number,
  fallbackFrom: string[],
): ReplyMeta {
  return {
    id: `chatcmpl-${c
      .get("requestId")
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 32)}`,
    created: Math.floor(Date.now() / 1000),
    model: modelId ?? "none",
    switchyard: {
      model: modelId,
      route_reason: decision.reason,
      route_confidence: decision.confidence,
      cache: c.get("cacheStatus") ?? "BYPASS",
      request_id: c.get("requestId"),
      attempts,
      fallback_from: fallbackFrom,
    },
  };
}

/**
 * The request path after auth, rate limit and cache: route, proxy (retries, cascade, breakers),
 * relay (stream or JSON), then record. Expected failures leave as ApiErrors (4xx/503), never 500.
 *
 * @example return runCompletion(c, fromChat(c.req.valid("json")), deps);
 */
export async function runCompletion(c: C, req: CompletionRequest, deps: CompletionDeps): Promise<Response> {
  const started = Date.now();
  const refusal = modelChoiceRefusal(req, deps.config.roster);
  if (refusal) {
    const f = unanswered(refusal.status, "rejected", refusal.code);
    recordRequest(c, deps, req, started, { reason: "none", confidence: null }, f);
    throw refusal;
  }

  const decision = await deps.routing.decide({
    requestedModel: req.model,
    text: promptText(req),
    lastUserText: lastUserText(req),
    maxTokens: req.maxTokens,
    fallbacks: req.fallbacks,
    needs: requiredCapabilities(req),
  });
  const route = { reason: decision.reason, confidence: decision.confidence };
  let result: Awaited<ReturnType<typeof dispatch>>;
  try {
    result = await dispatch({
      candidates: [decision.modelId, ...decision.fallbacks],
      config: deps.config.proxy,
      replicasFor: deps.replicasFor,
      body: upstreamBody(req),
      signal: c.req.raw.signal,
      onAttempt: trackAttempts(deps.metrics),
      headers: upstreamHeaders(c),
      fetch: deps.fetch,
    });
  } catch (error) {
    if (!(error instanceof ClientGone)) throw error;
    recordRequest(c, deps, req, started, route, unanswered(499, "aborted", "client_closed_request"));
    return new Response(null, { status: 499 });
  }
  recordCircuitStates(
    deps.metrics,
    deps.config.roster.map((m) => m.id),
    (id) => deps.replicasFor(id) ?? { state: "closed" },
  );

  if (result.kind !== "started") {
    const meta = metaFor(c, null, decision, result.attempts, result.fallbackFrom);
    const base = {
      modelId: null,
      ttftMs: null,
      promptTokens: null,
      completionTokens: null,
      attempts: result.attempts,
      fallbackFrom: result.fallbackFrom,
    };
    if (result.kind === "rejected") {
      recordRequest(c, deps, req, started, route, {
        ...base,
        modelId: result.modelId,
        status: result.status,
        outcome: "rejected",
        errorCode: result.code,
      });
      throw new ApiError(result.status === 413 ? 413 : 400, result.code, result.message, {
        param: result.param,
        headers: switchyardHeaders({ ...meta.switchyard, model: result.modelId }),
      });
    }
    const unavailable = unavailableError(req, result.retryAfterSeconds, switchyardHeaders(meta.switchyard));
    recordRequest(c, deps, req, started, route, {
      ...base,
      status: 503,
      outcome: "error",
      errorCode: unavailable.code,
    });
    throw unavailable;
  }

  noteUpstreamTtft(c.req.raw, result.started.ttftMs);
  const meta = metaFor(c, result.modelId, decision, result.attempts, result.fallbackFrom);
  const format = replyFormats[req.endpoint];
  const cacheWrite = c.get("cacheWrite");
  const onFinish = (o: RelayOutcome) => {
    // The backend answered a first token; a failure afterwards still counts against it.
    if (o.outcome === "ok") result.lease.onSuccess();
    else if (o.outcome === "error") result.lease.onFailure();
    else result.lease.release();
    if (o.outcome === "ok" && o.reply && cacheWrite) {
      const entry: CachedCompletion = {
        model: result.modelId,
        ...o.reply,
        routeReason: decision.reason,
        routeConfidence: decision.confidence,
      };
      cacheWrite(entry);
    }
    recordRequest(c, deps, req, started, route, {
      status: o.status,
      outcome: o.outcome,
      errorCode: o.errorCode,
      modelId: result.modelId,
      ttftMs: result.started.ttftMs,
      promptTokens: o.reply?.usage?.prompt_tokens ?? null,
      completionTokens: o.reply?.usage?.completion_tokens ?? null,
      attempts: result.attempts,
      fallbackFrom: result.fallbackFrom,
    });
  };
  const headers = switchyardHeaders(meta.switchyard);
  const relayOpts = {
    started: result.started,
    meta,
    format,
    idleTimeoutMs: deps.config.proxy.idleTimeoutMs,
    includeUsage: req.includeUsage,
    headers,
    onFinish,
    clientSignal: c.req.raw.signal,
  };
  return req.stream ? relayStream(relayOpts) : relayJson(relayOpts);
}
