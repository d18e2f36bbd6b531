import type { MiddlewareHandler } from "hono";
import { SWITCHYARD_HEADERS } from "../http/context";
import type { MetricsPublisher } from "./publisher";
import type { EdgeMetrics } from "./registry";

/** Backend time to first token of the attempt that answered, per request (set by the pipeline). */
const upstreamTtftMs = new WeakMap<Request, number>();

/** Called by the proxy path once a backend produced its first token. */
export function noteUpstreamTtft(request: Request, ms: number): void {
  upstreamTtftMs.set(request, ms);
}

/** Route reasons are strings from routing policies: keep at most this many distinct values. */
const MAX_REASONS = 32;

export interface HttpMetricsOptions {
  metrics: EdgeMetrics;
  /** Roster model ids: the only values the `model` label may take (else "none"). */
  modelIds: readonly string[];
  /** Pushes this isolate's increments to the cross-isolate aggregator after each response. */
  publisher?: MetricsPublisher;
}

const statusClass = (status: number) => `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;

/**
 * Observes every edge response: requests by route pattern, status class and model; cache
 * lookups by result; 429s from the rate limiter; routing decisions; the latency the edge adds
 * (time to response headers minus the answering backend's time to first token, measured for
 * streamed and edge-answered responses). Reads only the x-switchyard-* headers the pipeline sets.
 *
 * @example app.use("*", httpMetrics({ metrics, modelIds: roster.map((m) => m.id), publisher }));
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  const { metrics, publisher } = options;
  const models = new Set(options.modelIds);
  const reasons = new Set<string>();
  const boundedReason = (raw: string) => {
    // "classifier:q=0.83,budget" -> "classifier": parameters would multiply the series.
    const reason = raw.replace(/(:[a-z_]+=[^:]*)+$/i, "");
    if (reasons.has(reason)) return reason;
    if (reasons.size >= MAX_REASONS || reason.length > 64) return "other";
    reasons.add(reason);
    return reason;
  };
  return async (c, next) => {
    const started = performance.now();
    await next();
    const headersMs = performance.now() - started;
    const route = c.req.routePath || "unmatched";
    const res = c.res;
    const modelHeader = res.headers.get(SWITCHYARD_HEADERS.model) ?? "none";
    const model = models.has(modelHeader) ? modelHeader : "none";
    metrics.httpRequests.inc({ route, status_class: statusClass(res.status), model });
    const cache = res.headers.get(SWITCHYARD_HEADERS.cache);
    if (cache)
      metrics.cacheLookups.inc({
        result: cache.toLowerCase() === "hit" ? "hit" : cache.toLowerCase() === "miss" ? "miss" : "bypass",
      });
    if (res.status === 429) metrics.rateLimited.inc({ route });
    const reason = res.headers.get(SWITCHYARD_HEADERS.routeReason);
    if (reason && cache?.toUpperCase() !== "HIT" && model !== "none") {
      metrics.routeDecisions.inc({ model, reason: boundedReason(reason) });
    }
    const upstream = upstreamTtftMs.get(c.req.raw);
    const streamed = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (upstream === undefined || streamed) {
      metrics.edgeAddedLatency.observe({ route }, Math.max(0, headersMs - (upstream ?? 0)) / 1000);
    }
    publisher?.schedule(c);
  };
}
