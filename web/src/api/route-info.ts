import type { FallbackInfo, RouteInfo } from "./types";

/** Header names the gateway uses to say which model answered and why. */
export const routeHeaders = {
  model: "x-switchyard-model",
  reason: "x-switchyard-route-reason",
  confidence: "x-switchyard-route-confidence",
  cache: "x-switchyard-cache",
  requestId: "x-request-id",
  fallback: "x-switchyard-fallback",
} as const;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const firstString = (...values: unknown[]): string | undefined => {
  for (const value of values) if (typeof value === "string" && value.length > 0) return value;
  return undefined;
};

/** Accepts 0.82, "0.82" or "82%"; anything else is unknown. */
export function parseConfidence(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value > 1 ? value / 100 : value;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const percent = value.trim().endsWith("%");
  const parsed = Number.parseFloat(value);
  if (!Number.isFinite(parsed)) return undefined;
  return percent || parsed > 1 ? parsed / 100 : parsed;
}

const normaliseCache = (value: unknown): string | undefined => {
  if (typeof value === "boolean") return value ? "HIT" : "MISS";
  return typeof value === "string" && value ? value.toUpperCase() : undefined;
};

/**
 * Reads whatever fallback description the gateway sent. Tolerant on purpose: a boolean,
 * a string, an object ({from, to, reason} or {requested, served}), or a list of attempts.
 */
export function parseFallback(value: unknown, answeredBy?: string): FallbackInfo | undefined {
  if (value === undefined || value === null || value === false || value === "") return undefined;
  if (value === true) return { to: answeredBy };
  if (typeof value === "string") return value === "0" || value === "false" ? undefined : { reason: value };
  if (Array.isArray(value)) {
    const models = value
      .map((attempt) => (isObject(attempt) ? firstString(attempt.model, attempt.id) : firstString(attempt)))
      .filter((model): model is string => model !== undefined);
    if (models.length < 2) return undefined;
    return { from: models[0], to: models[models.length - 1], reason: `tried ${models.join(" → ")}` };
  }
  if (!isObject(value)) return undefined;
  if (value.happened === false || value.used === false || value.occurred === false) return undefined;
  const attempts = Array.isArray(value.attempts) ? parseFallback(value.attempts, answeredBy) : undefined;
  const from = firstString(
    value.from,
    value.requested,
    value.requested_model,
    value.original,
    attempts?.from,
  );
  const to = firstString(value.to, value.served, value.model, answeredBy, attempts?.to);
  const reason = firstString(value.reason, value.cause, value.message, attempts?.reason);
  if (!from && !reason && !attempts && value.happened !== true && value.used !== true) return undefined;
  return { from, to, reason };
}

/** Route information from the response headers (available before the first token). */
export function routeFromHeaders(headers: Headers): RouteInfo {
  // The edge says "none" when no model answered (e.g. every backend was down).
  const modelHeader = headers.get(routeHeaders.model);
  const model = modelHeader && modelHeader !== "none" ? modelHeader : undefined;
  return {
    model,
    reason: headers.get(routeHeaders.reason) ?? undefined,
    confidence: parseConfidence(headers.get(routeHeaders.confidence)),
    cache: normaliseCache(headers.get(routeHeaders.cache)),
    requestId: headers.get(routeHeaders.requestId) ?? undefined,
    fallback: parseFallback(headers.get(routeHeaders.fallback) ?? undefined, model),
  };
}

/** Route information from the `switchyard` object of a stream chunk or JSON body. */
export function routeFromBody(value: unknown): RouteInfo | undefined {
  if (!isObject(value)) return undefined;
  const route = isObject(value.route) ? value.route : {};
  const model = firstString(value.model, value.model_id, value.served_model, route.model);
  // The edge sends `fallback_from`: the models that failed before `model` answered, in order.
  const failedModels = Array.isArray(value.fallback_from) ? value.fallback_from : undefined;
  const fallbackValue =
    value.fallback ??
    value.fallbacks ??
    value.cascade ??
    (failedModels?.length ? [...failedModels, ...(model ? [model] : [])] : undefined);
  const attempts = typeof value.attempts === "number" ? value.attempts : undefined;
  return {
    model,
    reason: firstString(value.route_reason, value.reason, route.reason),
    confidence: parseConfidence(value.route_confidence ?? value.confidence ?? route.confidence),
    cache: normaliseCache(value.cache ?? value.cache_status),
    requestId: firstString(value.request_id, value.requestId),
    fallback: parseFallback(fallbackValue, model),
    attempts,
  };
}

/** Later information wins, but never erases something known with "unknown". */
export function mergeRoute(base: RouteInfo | undefined, update: RouteInfo | undefined): RouteInfo {
  const merged: RouteInfo = { ...base };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value !== undefined) (merged as Json)[key] = value;
  }
  return merged;
}
