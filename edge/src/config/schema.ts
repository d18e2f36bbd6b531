import { z } from "zod";
import { catalogueModels } from "./catalogue";
import { BackendsSchema, jsonText, ModelsSchema } from "./models";

const intFrom = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1");
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/**
 * Local stack defaults (`npm start`): one backend per production catalogue model, in tier order
 * on 8081, 8082, ... (the ids come from the catalogue, never from here).
 */
export const DEFAULT_BACKENDS: Record<string, string> = Object.fromEntries(
  catalogueModels()
    .filter((m) => m.kind === "production")
    .map((m, i) => [m.id, `http://127.0.0.1:${8081 + i}`]),
);

/** Unset or blank: undefined (the caller picks the default); otherwise JSON checked by `schema`. */
const jsonVariable = <T extends z.ZodType>(name: string, schema: T) =>
  optionalText.pipe(jsonText(name).pipe(schema).optional());

/** `*`, or a comma-separated list of origins (scheme://host[:port], no path); empty: CORS off. */
const CorsOriginsSchema = z
  .string()
  .optional()
  .transform((text, ctx): string[] | "*" => {
    const items = (text ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    if (items.includes("*")) return "*";
    for (const origin of items) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {}
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, "")) {
        ctx.addIssue({ code: "custom", message: `not an origin (scheme://host[:port]): ${origin}` });
        return z.NEVER;
      }
    }
    return items.map((o) => o.replace(/\/$/, ""));
  });

/** Validates the raw environment; every knob has a default so an empty env is a working dev setup. */
export const EnvSchema = z.object({
  SWITCHYARD_BACKENDS: jsonVariable("SWITCHYARD_BACKENDS", BackendsSchema),
  SWITCHYARD_MODELS: jsonVariable("SWITCHYARD_MODELS", ModelsSchema),
  SWITCHYARD_BACKEND_API_KEY: optionalText,
  SWITCHYARD_API_KEYS: z.string().default(""),
  SWITCHYARD_JWT_SECRET: optionalText,
  SWITCHYARD_JWT_JWKS_URL: optionalText.pipe(z.url().optional()),
  SWITCHYARD_JWT_ISSUER: z.string().default("switchyard-dev"),
  SWITCHYARD_JWT_AUDIENCE: z.string().default("switchyard"),
  SWITCHYARD_REQUIRED_SCOPE: z.string().default("chat"),
  SWITCHYARD_ALLOW_ANONYMOUS: flag,
  SWITCHYARD_DEV_TOKENS: flag,
  SWITCHYARD_METRICS_TOKEN: optionalText,
  SWITCHYARD_PROMPT_HASH_KEY: optionalText,
  SWITCHYARD_RATE_LIMIT_CAPACITY: intFrom(60, 1),
  SWITCHYARD_RATE_LIMIT_REFILL_PER_SECOND: z.coerce.number().positive().default(1),
  SWITCHYARD_CACHE_TTL_SECONDS: intFrom(300),
  SWITCHYARD_CACHE_MODE: z.enum(["deterministic", "all", "off"]).default("deterministic"),
  SWITCHYARD_CACHE_SHARED: flag,
  SWITCHYARD_DROP_UNSUPPORTED_PARAMS: flag,
  SWITCHYARD_MAX_BODY_BYTES: intFrom(1024 * 1024, 1024),
  SWITCHYARD_TTFT_BUDGET_MS: intFrom(15_000, 1),
  SWITCHYARD_IDLE_TIMEOUT_MS: intFrom(30_000, 1),
  SWITCHYARD_HEDGE_DELAY_MS: z
    .string()
    .optional()
    .transform((v) => v?.trim() || "auto")
    .pipe(
      z.union([
        z.enum(["auto", "off"]),
        z
          .string()
          .regex(/^\d+$/, 'must be "auto", "off" or a whole number of milliseconds')
          .transform(Number),
      ]),
    ),
  SWITCHYARD_RETRIES: intFrom(1),
  SWITCHYARD_RETRY_BASE_MS: intFrom(100),
  SWITCHYARD_RETRY_MAX_MS: intFrom(2_000),
  SWITCHYARD_BREAKER_FAILURES: intFrom(5, 1),
  SWITCHYARD_BREAKER_COOLDOWN_MS: intFrom(30_000, 1),
  SWITCHYARD_ROUTING_POLICY: z.enum(["classifier", "round-robin"]).default("classifier"),
  SWITCHYARD_ROUTER_MAX_QUALITY_LOSS: z.coerce.number().min(0).max(1).optional(),
  // The probability threshold of the old router has no meaning for the quality-cost rule: say so once.
  SWITCHYARD_ROUTER_THRESHOLD: z
    .undefined({ error: "replaced by SWITCHYARD_ROUTER_MAX_QUALITY_LOSS (docs/router.md)" })
    .optional(),
  UPSTASH_REDIS_REST_URL: optionalText,
  UPSTASH_REDIS_REST_TOKEN: optionalText,
  DATABASE_URL: optionalText,
  SWITCHYARD_NEON_WSPROXY: optionalText,
  SWITCHYARD_CORS_ORIGINS: CorsOriginsSchema,
});
