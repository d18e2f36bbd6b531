import { type CatalogueModel, catalogueModels } from "./catalogue";
import type { EdgeEnv } from "./env";
import { configProblems, EdgeConfigError, issuesFromZod } from "./errors";
import { buildRoster, type RosterModel } from "./models";
import { DEFAULT_BACKENDS, EnvSchema } from "./schema";

export type { EdgeEnv } from "./env";
export { type ConfigIssue, configProblems, EdgeConfigError } from "./errors";
export type { Capability, ModelPrice, RosterModel } from "./models";

export interface AuthConfig {
  /** Raw SWITCHYARD_API_KEYS spec; hashed once by the auth middleware. */
  apiKeys: string;
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string;
  audience: string;
  requiredScope: string | null;
  allowAnonymous: boolean;
  /** Development sign-in: POST /dev/token mints tokens (needs jwtSecret). */
  devTokens: boolean;
}

/** How long to wait for a first token before hedging: fixed, learned per model (p95), or never. */
export type HedgePolicy = { kind: "fixed"; ms: number } | { kind: "auto" } | { kind: "off" };

export interface ProxyConfig {
  /** Per attempt: headers and the first token must arrive within this. */
  ttftBudgetMs: number;
  /** After the first token: longest silence tolerated between chunks. */
  idleTimeoutMs: number;
  /** When to hedge an attempt still waiting for its first token (SWITCHYARD_HEDGE_DELAY_MS). */
  hedge: HedgePolicy;
  /** Extra attempts on the same backend for retryable failures (before the cascade moves on). */
  retries: number;
  retryBaseMs: number;
  /** Cap on one backoff wait; a longer Retry-After moves on to the next model instead. */
  retryMaxMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  backendApiKey: string | undefined;
}

/** The edge's one typed, validated configuration. */
export interface EdgeConfig {
  /** Models with a backend, in cascade order (production by tier, small to large, then dev). */
  roster: RosterModel[];
  auth: AuthConfig;
  metricsToken: string | undefined;
  promptHashKey: string;
  rateLimit: { capacity: number; refillPerSecond: number };
  cache: {
    ttlSeconds: number;
    /** deterministic: only temperature 0 or a seed; all; off. */
    mode: "deterministic" | "all" | "off";
    /** Entries shared by every caller instead of scoped to the tenant. */
    shared: boolean;
  };
  /** Drop request fields that cannot be honoured instead of answering 400 (operator opt-in). */
  dropUnsupportedParams: boolean;
  maxBodyBytes: number;
  /** Browser origins allowed to call the API ("*": any; empty: no CORS headers). */
  corsOrigins: string[] | "*";
  proxy: ProxyConfig;
  routingPolicy: string;
  /** Quality the learned router may give up vs the best single model (undefined: the model's default). */
  routerMaxQualityLoss: number | undefined;
  upstash: { url: string; token: string } | undefined;
  database: { url: string; wsProxy: string | undefined } | undefined;
}

/**
 * Builds the edge configuration from the Worker environment, with defaults for local development.
 *
 * @example
 * const config = loadEdgeConfig({ SWITCHYARD_BACKENDS: '{"stories260k":"http://127.0.0.1:8081"}' });
 * config.roster[0].baseUrl // "http://127.0.0.1:8081"
 */
export function loadEdgeConfig(env: EdgeEnv, catalogue: CatalogueModel[] = catalogueModels()): EdgeConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new EdgeConfigError(issuesFromZod(parsed.error));
  const e = parsed.data;
  const problems = configProblems();

  const neither = e.SWITCHYARD_BACKENDS === undefined && e.SWITCHYARD_MODELS === undefined;
  const backends =
    e.SWITCHYARD_BACKENDS ??
    (neither ? Object.fromEntries(Object.entries(DEFAULT_BACKENDS).map(([id, url]) => [id, [url]])) : {});
  const roster = buildRoster(e.SWITCHYARD_MODELS ?? {}, backends, catalogue, problems.add);
  if (roster.length === 0) {
    problems.add(
      e.SWITCHYARD_MODELS === undefined ? "SWITCHYARD_BACKENDS" : "SWITCHYARD_MODELS",
      "SWITCHYARD_BACKENDS and SWITCHYARD_MODELS name no model",
    );
  }
  if (e.SWITCHYARD_DEV_TOKENS && !e.SWITCHYARD_JWT_SECRET)
    problems.add("SWITCHYARD_DEV_TOKENS", "needs SWITCHYARD_JWT_SECRET (the tokens are HS256)");
  if ((e.UPSTASH_REDIS_REST_URL === undefined) !== (e.UPSTASH_REDIS_REST_TOKEN === undefined)) {
    const missing =
      e.UPSTASH_REDIS_REST_URL === undefined ? "UPSTASH_REDIS_REST_URL" : "UPSTASH_REDIS_REST_TOKEN";
    problems.add(missing, "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together");
  }
  problems.throwIfAny();

  return {
    roster,
    auth: {
      apiKeys: e.SWITCHYARD_API_KEYS,
      jwtSecret: e.SWITCHYARD_JWT_SECRET,
      jwksUrl: e.SWITCHYARD_JWT_JWKS_URL,
      issuer: e.SWITCHYARD_JWT_ISSUER,
      audience: e.SWITCHYARD_JWT_AUDIENCE,
      requiredScope: e.SWITCHYARD_REQUIRED_SCOPE.trim() || null,
      allowAnonymous: e.SWITCHYARD_ALLOW_ANONYMOUS,
      devTokens: e.SWITCHYARD_DEV_TOKENS,
    },
    metricsToken: e.SWITCHYARD_METRICS_TOKEN,
    // Without a configured key the hashes are still keyed, but only stable within one isolate.
    promptHashKey: e.SWITCHYARD_PROMPT_HASH_KEY ?? crypto.randomUUID(),
    rateLimit: {
      capacity: e.SWITCHYARD_RATE_LIMIT_CAPACITY,
      refillPerSecond: e.SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND,
    },
    cache: {
      ttlSeconds: e.SWITCHYARD_CACHE_TTL_SECONDS,
      mode: e.SWITCHYARD_CACHE_MODE,
      shared: e.SWITCHYARD_CACHE_SHARED,
    },
    dropUnsupportedParams: e.SWITCHYARD_DROP_UNSUPPORTED_PARAMS,
    maxBodyBytes: e.SWITCHYARD_MAX_BODY_BYTES,
    corsOrigins: e.SWITCHYARD_CORS_ORIGINS,
    proxy: {
      ttftBudgetMs: e.SWITCHYARD_TTFT_BUDGET_MS,
      idleTimeoutMs: e.SWITCHYARD_IDLE_TIMEOUT_MS,
      hedge:
        typeof e.SWITCHYARD_HEDGE_DELAY_MS === "number"
          ? { kind: "fixed", ms: e.SWITCHYARD_HEDGE_DELAY_MS }
          : { kind: e.SWITCHYARD_HEDGE_DELAY_MS },
      retries: e.SWITCHYARD_RETRIES,
      retryBaseMs: e.SWITCHYARD_RETRY_BASE_MS,
      retryMaxMs: e.SWITCHYARD_RETRY_MAX_MS,
      breakerFailures: e.SWITCHYARD_BREAKER_FAILURES,
      breakerCooldownMs: e.SWITCHYARD_BREAKER_COOLDOWN_MS,
      backendApiKey: e.SWITCHYARD_BACKEND_API_KEY,
    },
    routingPolicy: e.SWITCHYARD_ROUTING_POLICY,
    routerMaxQualityLoss: e.SWITCHYARD_ROUTER_MAX_QUALITY_LOSS,
    upstash:
      e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
        ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    database: e.DATABASE_URL ? { url: e.DATABASE_URL, wsProxy: e.SWITCHYARD_NEON_WSPROXY } : undefined,
  };
}
