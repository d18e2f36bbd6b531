import type { Context } from "hono";
import { errorKindOr } from "../../../vocabulary/errors";
import type { EdgeConfig } from "../config";
import type { EdgeHonoEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { type RequestFacts, type RequestLog, unanswered } from "../log/request-log";
import { noteUpstreamTtft } from "../metrics/http-metrics";
import type { EdgeMetrics } from "../metrics/registry";
import { ClientGone } from "../proxy/attempt";
import type { HedgeDelays } from "../proxy/hedge";
import type { ReplicaPool } from "../proxy/replicas";
import type { RoutingPolicy } from "../routing";
import { replyFormats } from "./format";
import { modelChoiceRefusal, unavailableError } from "./model-choice";
import { type RelayOutcome, relayJson, relayStream } from "./relay";
import { replyMeta, switchyardHeaders } from "./reply-meta";
import * as request from "./request";
import { requestedQualityLoss } from "./route-preference";
import { continuation, traceOutcome, upstreamSender } from "./upstream";

export interface CompletionDeps {
  config: EdgeConfig;
  routing: RoutingPolicy;
  /** The backends of a served model (breakers and load per replica). */
  replicasFor: (modelId: string) => ReplicaPool | undefined;
  hedges: HedgeDelays;
  metrics: EdgeMetrics;
  requestLog: RequestLog;
  fetch?: typeof fetch;
}

type C = Context<EdgeHonoEnv>;

/**
 * The request path after auth, rate limit and cache: refuse what cannot be routed, route,
 * dispatch (retries, hedges, cascade, breakers), relay (stream or JSON, continued on another
 * backend if it breaks), and record how it ended. Expected failures leave as ApiErrors
 * (4xx/503), never 500.
 *
 * @example return runCompletion(c, fromChat(c.req.valid("json")), deps);
 */
export async function runCompletion(
  c: C,
  req: request.CompletionRequest,
  deps: CompletionDeps,
): Promise<Response> {
  const started = Date.now();
  const record = (facts: RequestFacts) =>
    deps.requestLog.record(c, request.loggedRequest(req), started, facts);
  const { roster } = deps.config;
  const refusal = modelChoiceRefusal(req, roster);
  if (refusal) {
    record(unanswered(refusal.status, "rejected", refusal.code));
    throw refusal;
  }

  const decision = await deps.routing.decide({
    requestedModel: req.model,
    text: request.promptText(req),
    lastUserText: request.lastUserText(req),
    maxTokens: req.maxTokens,
    fallbacks: req.fallbacks,
    needs: request.requiredCapabilities(req),
    maxQualityLoss: requestedQualityLoss(c),
  });
  const route = { reason: decision.reason, confidence: decision.confidence };
  const candidates = [decision.modelId, ...decision.fallbacks];
  const send = upstreamSender(c, deps, request.upstreamPath(req));
  let result: Awaited<ReturnType<typeof send>>;
  try {
    result = await send(request.upstreamBody(req), candidates);
  } catch (error) {
    if (!(error instanceof ClientGone)) throw error;
    record(unanswered(499, "aborted", "client_closed_request", route));
    return new Response(null, { status: 499 });
  }

  if (result.kind !== "started") {
    const modelId = result.kind === "rejected" ? result.modelId : null;
    const headers = switchyardHeaders(replyMeta(c, { ...result, modelId, route }).switchyard);
    const error =
      result.kind === "rejected"
        ? ApiError.of(
            errorKindOr(result.code, result.status === 413 ? "request_too_large" : "invalid_request"),
            result.message,
            {
              param: result.param,
              headers,
            },
          )
        : unavailableError(req, result.retryAfterSeconds, headers);
    record({
      ...unanswered(error.status, result.kind === "rejected" ? "rejected" : "error", error.code, route),
      modelId,
      attempts: result.attempts,
      fallbackFrom: result.fallbackFrom,
    });
    throw error;
  }

  noteUpstreamTtft(c.req.raw, result.started.ttftMs);
  const meta = replyMeta(c, { ...result, route });
  const cacheWrite = c.get("cacheWrite");
  const rescue = continuation(send, req, candidates, deps);
  const onFinish = (o: RelayOutcome) => {
    traceOutcome(c, o);
    // Only a whole answer is cached; a rescued one is whole once it finished cleanly.
    if (o.outcome === "ok" && o.reply && cacheWrite)
      cacheWrite({
        model: o.answer.modelId,
        ...o.reply,
        routeReason: route.reason,
        routeConfidence: route.confidence,
      });
    record({
      ...unanswered(o.status, o.outcome, o.errorCode ?? "", route),
      errorCode: o.errorCode,
      modelId: o.answer.modelId,
      ttftMs: result.started.ttftMs,
      promptTokens: o.reply?.usage?.prompt_tokens ?? null,
      completionTokens: o.reply?.usage?.completion_tokens ?? null,
      attempts: o.attempts,
      fallbackFrom: o.fallbackFrom,
      continuedAfter: o.continuedAfter,
    });
  };
  const relay = {
    answer: result,
    meta,
    format: replyFormats[req.endpoint],
    idleTimeoutMs: deps.config.proxy.idleTimeoutMs,
    includeUsage: req.includeUsage,
    headers: switchyardHeaders(meta.switchyard),
    onFinish,
    clientSignal: c.req.raw.signal,
    rescue,
    onRescue: (from: string, to: string | null, failure: string) =>
      deps.metrics.continuations.inc({ from_model: from, to_model: to ?? "none", failure }),
  };
  return req.stream ? relayStream(relay) : relayJson(relay);
}
