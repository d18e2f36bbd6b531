import type { ContextVariableMap } from "hono";

/** Who is calling, as established by the auth middleware. */
export interface Principal {
  kind: "api_key" | "jwt" | "anonymous";
  /** API key name, JWT `sub`, or "anonymous". Never a raw credential. */
  id: string;
  scopes: string[];
  /** Rate-limit bucket key: `key:<name>`, `sub:<sub>` or `ip:<address>`. */
  rateLimitKey: string;
}

export type CacheStatus = "HIT" | "MISS" | "BYPASS";

/**
 * Hono env of the edge's handlers. Each middleware declares the variables it sets in its own
 * folder (`declare module "hono" { interface ContextVariableMap {…} }`); this is their union.
 */
export type EdgeHonoEnv = { Variables: ContextVariableMap };

/** Response headers that say which model answered and why (also mirrored in bodies). */
export const SWITCHYARD_HEADERS = {
  model: "x-switchyard-model",
  routeReason: "x-switchyard-route-reason",
  routeConfidence: "x-switchyard-route-confidence",
  cache: "x-switchyard-cache",
  requestId: "x-request-id",
  /** Request fields dropped instead of refused (SWITCHYARD_DROP_UNSUPPORTED_PARAMS=true). */
  droppedParams: "x-switchyard-dropped-params",
  /** Request header: quality `auto` may give up vs the best single model for this request (0..1). */
  maxQualityLoss: "x-switchyard-max-quality-loss",
} as const;
