import type { Context, MiddlewareHandler } from "hono";
import type { EdgeHonoEnv } from "../../http/context";
import { ApiError } from "../../http/errors";
import type { RateLimitDecision, TokenBucketSpec, TokenBucketStore } from "../../state/token-bucket-store";

export interface RateLimitOptions {
  store: TokenBucketStore;
  bucket: TokenBucketSpec;
  /** Bucket key for a request. Default: the principal's key (API key name, JWT sub, or client IP). */
  keyOf?: (c: Context<EdgeHonoEnv>) => string;
  /** Called when the store fails; the request is then let through (availability over strictness). */
  onStoreError?: (error: unknown) => void;
}

function limitHeaders(d: RateLimitDecision): Record<string, string> {
  return {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(Math.max(0, d.remaining)),
    "ratelimit-reset": String(Math.max(0, Math.ceil(d.resetSeconds))),
  };
}

/**
 * Token-bucket rate limit, one atomic take per request. Sets RateLimit-Limit/Remaining/Reset on
 * every response; 429 with Retry-After when the bucket is empty. Runs after `auth`.
 *
 * @example app.use("/v1/*", rateLimit({ store, bucket: { capacity: 60, refillPerSecond: 1 } }));
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<EdgeHonoEnv> {
  const keyOf = opts.keyOf ?? ((c) => c.get("principal")?.rateLimitKey ?? "ip:unknown");
  return async (c, next) => {
    let decision: RateLimitDecision;
    try {
      decision = await opts.store.take(`rl:${keyOf(c)}`, opts.bucket);
    } catch (error) {
      opts.onStoreError?.(error);
      return next();
    }
    const headers = limitHeaders(decision);
    if (!decision.allowed) {
      throw new ApiError(
        429,
        "rate_limit_exceeded",
        "Rate limit exceeded; retry after the Retry-After delay",
        {
          headers: { ...headers, "retry-after": String(Math.max(1, Math.ceil(decision.retryAfterSeconds))) },
        },
      );
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
