import type { Context } from "hono";
import type { EdgeHonoEnv } from "../http/context";
import { spanOf } from "../http/span";
import { trackAttempts } from "../metrics/attempts";
import { type DispatchResult, type DispatchStarted, dispatch } from "../proxy/dispatch";
import type { CompletionDeps } from "./pipeline";
import type { RelayOutcome, Rescue } from "./relay";
import { type CompletionRequest, continuationBody } from "./request";

type C = Context<EdgeHonoEnv>;
type Send = (
  body: Record<string, unknown>,
  candidates: string[],
  avoidUrls?: ReadonlySet<string>,
) => Promise<DispatchResult>;

/** Sends a body to candidates (retries, hedges, cascade) with what every attempt of this request shares. */
export function upstreamSender(c: C, deps: CompletionDeps, path: string): Send {
  const span = spanOf(c);
  // Trace context and request id upstream, so the backend's span and log line join this request.
  const headers = { "x-request-id": c.get("requestId"), ...(span ? { traceparent: span.traceparent } : {}) };
  const { metrics, config } = deps;
  return (body: Record<string, unknown>, candidates: string[], avoidUrls?: ReadonlySet<string>) =>
    dispatch({
      candidates,
      config: config.proxy,
      replicasFor: deps.replicasFor,
      contextLengthOf: (id) => config.roster.find((m) => m.id === id)?.contextLength ?? null,
      avoidUrls,
      // A continuation refused by one backend may still be taken by the next.
      rejectionMovesOn: avoidUrls !== undefined,
      body,
      path,
      signal: c.req.raw.signal,
      onAttempt: trackAttempts(metrics),
      onHedge: (model, outcome) => metrics.hedges.inc({ model, outcome }),
      onMalformed: (model) => metrics.malformedEvents.inc({ model }),
      onFirstToken: deps.hedges.observe,
      hedgeDelayMs: deps.hedges.delayFor,
      headers,
      fetch: deps.fetch,
    });
}

/**
 * The rescue of a reply that broke after its first token: the next candidate whose model can
 * continue a prefix (another replica of the same model first), never a replica whose stream
 * already broke in this request.
 */
export function continuation(
  send: Send,
  req: CompletionRequest,
  candidates: string[],
  deps: CompletionDeps,
): Rescue {
  const broken = new Set<string>();
  return async (delivered, failed: DispatchStarted) => {
    broken.add(failed.url);
    const capable = candidates.filter((id) => {
      const urls = deps.replicasFor(id)?.urls ?? [];
      return deps.config.roster.find((m) => m.id === id)?.continuation && urls.some((u) => !broken.has(u));
    });
    if (capable.length === 0) return null;
    const next = await send(continuationBody(req, delivered), capable, broken);
    return next.kind === "started" ? next : null;
  };
}

/** What only the end of the reply knows goes on the request's span: who finished it, and after what. */
export function traceOutcome(c: C, o: RelayOutcome): void {
  const span = spanOf(c);
  if (!span) return;
  span.attributes["switchyard.attempts"] = o.attempts;
  span.attributes["switchyard.fallback_from"] = o.fallbackFrom.join(",");
  if (o.continuedAfter === null) return;
  span.attributes["switchyard.model"] = o.answer.modelId;
  span.attributes["switchyard.continued_after"] = o.continuedAfter;
}
