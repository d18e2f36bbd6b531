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

/** Values middleware hand to later steps through `c.get`/`c.set`. */
export interface EdgeVariables {
  requestId: string;
  principal: Principal;
  cacheStatus: CacheStatus;
  /** Set by the openai-params middleware when the operator lets it drop unsupported fields. */
  droppedParams: string[] | undefined;
}

export type EdgeHonoEnv = { Variables: EdgeVariables };

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
