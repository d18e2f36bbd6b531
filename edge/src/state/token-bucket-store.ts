/** Parameters of one token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. */
export interface TokenBucketSpec {
  capacity: number;
  refillPerSecond: number;
}

/** Outcome of one atomic check-and-take against a bucket. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Bucket capacity (RateLimit-Limit). */
  limit: number;
  /** Whole tokens left after this decision (RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until one token is available; 0 when allowed (Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Shared rate-limit state. Implementations must make `take` atomic: N concurrent calls
 * against a bucket holding B tokens admit exactly B (Redis: one Lua script per decision).
 *
 * @example
 * const d = await store.take("key:abc", { capacity: 10, refillPerSecond: 1 });
 * if (!d.allowed) throw new HTTPException(429);
 */
export interface TokenBucketStore {
  take(key: string, bucket: TokenBucketSpec, cost?: number): Promise<RateLimitDecision>;
}
