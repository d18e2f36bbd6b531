/**
 * The Worker's environment bindings (wrangler `[vars]`, secrets, `.dev.vars`). All optional:
 * `loadEdgeConfig` applies the defaults and validates. Besides these, wrangler.toml binds the
 * Durable Object namespace SWITCHYARD_METRICS_AGGREGATOR (metrics totals across isolates), and
 * self-hosted workerd binds STATIC_FILES and ASSETS_ROUTING (web/dist, edge/src/static-assets.ts). The
 * names are shared with the rest of Switchyard (see the README). A bad value is an EdgeConfigError naming the variable: `npm start`
 * refuses to start with it, and a deployed worker answers every request (/health included) with
 * a JSON 503 `invalid_configuration` whose `param` is the variable.
 */
export interface EdgeEnv {
  /**
   * JSON map model id -> backend base URL, or a list of replica URLs, e.g.
   * {"qwen2.5-7b-instruct":"http://127.0.0.1:8082","my-model":["http://a:8080","http://b:8080"]}.
   * Catalogue ids get their catalogue facts; other ids are served as plain chat models.
   * Unset together with SWITCHYARD_MODELS: the local stack (production models on 8081, 8082, ...).
   */
  SWITCHYARD_BACKENDS?: string;
  /**
   * JSON map model id -> full description, read at run time (no rebuild):
   * `{"backends": url | [urls], "tier"?: n | null, "contextLength"?: n, "displayName"?: s,
   *   "price"?: {"inputUsdPerMTok": n, "outputUsdPerMTok": n}, "costWeight"?: n,
   *   "capabilities"?: ["chat" | "tools" | "json_schema" | "embeddings" | "continuation"]}`.
   * Catalogue ids default to their catalogue facts (capabilities chat, tools, json_schema, and
   * continuation where the catalogue says so); other ids to tier null (never in a cascade) and
   * chat. Replicas are balanced by least outstanding requests, skipping those whose circuit is
   * open. An id may appear here or in SWITCHYARD_BACKENDS, not both.
   */
  SWITCHYARD_MODELS?: string;
  /** Bearer key the backends require (sent by the edge). */
  SWITCHYARD_BACKEND_API_KEY?: string;
  /** Comma-separated API keys: `name:sha256hex` entries, or raw keys (hashed at startup). */
  SWITCHYARD_API_KEYS?: string;
  /** HS256 secret for development JWTs. */
  SWITCHYARD_JWT_SECRET?: string;
  /** JWKS URL for production JWTs (RS256/ES256). */
  SWITCHYARD_JWT_JWKS_URL?: string;
  SWITCHYARD_JWT_ISSUER?: string;
  SWITCHYARD_JWT_AUDIENCE?: string;
  /** Scope a JWT must carry (in `scope`/`scp`) to call the model endpoints; empty disables the check. */
  SWITCHYARD_REQUIRED_SCOPE?: string;
  /** "true" lets requests without credentials through (rate-limited per client IP). */
  SWITCHYARD_ALLOW_ANONYMOUS?: string;
  /** Development only: enables POST /dev/token (mints HS256 tokens for any name). Never in production. */
  SWITCHYARD_DEV_TOKENS?: string;
  SWITCHYARD_METRICS_TOKEN?: string;
  SWITCHYARD_PROMPT_HASH_KEY?: string;
  SWITCHYARD_RATE_LIMIT_CAPACITY?: string;
  SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND?: string;
  /** Response cache entry lifetime in seconds (default 300); 0 disables the cache. */
  SWITCHYARD_CACHE_TTL_SECONDS?: string;
  /**
   * Which requests the response cache answers: "deterministic" (default: temperature 0 or a
   * `seed`), "all", or "off". Keys are HMACs (with SWITCHYARD_PROMPT_HASH_KEY; without it they
   * are stable only within one isolate) over every output-changing field.
   */
  SWITCHYARD_CACHE_MODE?: string;
  /** "true": one cache for all callers; default: entries scoped to the API key or JWT subject. */
  SWITCHYARD_CACHE_SHARED?: string;
  /**
   * "true": request fields the gateway cannot honour are dropped (named in the response header
   * `x-switchyard-dropped-params`) instead of refused with a 400 `unsupported_parameter`. Default false.
   */
  SWITCHYARD_DROP_UNSUPPORTED_PARAMS?: string;
  SWITCHYARD_MAX_BODY_BYTES?: string;
  /**
   * Browser origins allowed to call the API (CORS): comma-separated `scheme://host[:port]`, or `*`.
   * Unset: no CORS headers (the web chat is served from the same origin and needs none).
   */
  SWITCHYARD_CORS_ORIGINS?: string;
  SWITCHYARD_TTFT_BUDGET_MS?: string;
  SWITCHYARD_IDLE_TIMEOUT_MS?: string;
  /**
   * Wait for a first token before also sending the request to the next model (first token wins,
   * the other is cancelled): "auto" (default: the model's observed p95 time to first token, a
   * third of the TTFT budget until it is known), "off", or milliseconds.
   */
  SWITCHYARD_HEDGE_DELAY_MS?: string;
  SWITCHYARD_RETRIES?: string;
  SWITCHYARD_RETRY_BASE_MS?: string;
  SWITCHYARD_RETRY_MAX_MS?: string;
  SWITCHYARD_BREAKER_FAILURES?: string;
  SWITCHYARD_BREAKER_COOLDOWN_MS?: string;
  /** Policy for `model: "auto"`: "classifier" (default: the learned router) or "round-robin". */
  SWITCHYARD_ROUTING_POLICY?: string;
  /**
   * The router's knob (docs/router.md): how much quality, in points of mean score in [0,1], `auto` may
   * give up vs the best single model to save cost, e.g. "0.01". Default: the knee of the shipped
   * model's training curve.
   */
  SWITCHYARD_ROUTER_MAX_QUALITY_LOSS?: string;
  /** No longer read: setting it is a configuration error naming its replacement. */
  SWITCHYARD_ROUTER_THRESHOLD?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  DATABASE_URL?: string;
  /** `host:port` of a Neon wsproxy in front of a local Postgres (development and CI only). */
  SWITCHYARD_NEON_WSPROXY?: string;
  /** OTLP/HTTP collector base URL for traces (e.g. http://otel-collector:4318); unset: no export. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
}
