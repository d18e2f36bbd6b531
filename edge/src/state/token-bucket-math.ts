import type { RateLimitDecision, TokenBucketSpec } from "./token-bucket-store";

/** Persisted state of one bucket: fractional tokens left at `updatedAtMs`. */
export interface TokenBucketState {
  tokens: number;
  updatedAtMs: number;
}

/** Result of one decision: what to answer and what to store. */
export interface TokenBucketStep {
  decision: RateLimitDecision;
  state: TokenBucketState;
}

/**
 * Validates a bucket spec and cost; a bad spec is a configuration error, so it throws.
 *
 * @example
 * assertValidBucket({ capacity: 10, refillPerSecond: 1 }, 1);
 */
export function assertValidBucket(bucket: TokenBucketSpec, cost: number): void {
  if (!Number.isFinite(bucket.capacity) || bucket.capacity <= 0) {
    throw new RangeError(`token bucket capacity must be > 0, got ${bucket.capacity}`);
  }
  if (!Number.isFinite(bucket.refillPerSecond) || bucket.refillPerSecond <= 0) {
    throw new RangeError(`token bucket refillPerSecond must be > 0, got ${bucket.refillPerSecond}`);
  }
  if (!Number.isFinite(cost) || cost < 0) {
    throw new RangeError(`token bucket cost must be >= 0, got ${cost}`);
  }
}

/**
 * Seconds after which an untouched bucket is full again, so its stored state can expire
 * (a missing bucket is treated as full). Used as the Redis key TTL and the memory eviction age.
 */
export function idleTtlSeconds(bucket: TokenBucketSpec): number {
  return Math.ceil(bucket.capacity / bucket.refillPerSecond) + 1;
}

/**
 * The continuous-refill token bucket, as a pure function. The Redis Lua script in
 * `upstash-token-bucket-script.ts` implements exactly this arithmetic (tests compare them).
 *
 * - tokens refill at `refillPerSecond` up to `capacity`; a missing state means a full bucket;
 * - a take of `cost` succeeds when at least `cost` tokens are there, and then removes them;
 * - `remaining` is the whole tokens left, `resetSeconds` the time until full,
 *   `retryAfterSeconds` (denials only, at least 1) the time until `cost` tokens are there.
 *
 * @example
 * const { decision, state } = stepTokenBucket(undefined, { capacity: 2, refillPerSecond: 1 }, 1, Date.now());
 */
export function stepTokenBucket(
  previous: TokenBucketState | undefined,
  bucket: TokenBucketSpec,
  cost: number,
  nowMs: number,
): TokenBucketStep {
  const { capacity, refillPerSecond } = bucket;
  let tokens = capacity;
  if (previous) {
    const elapsedSeconds = Math.max(0, nowMs - previous.updatedAtMs) / 1000;
    tokens = Math.min(capacity, previous.tokens + elapsedSeconds * refillPerSecond);
  }
  const allowed = tokens >= cost;
  if (allowed) tokens -= cost;
  const decision: RateLimitDecision = {
    allowed,
    limit: capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.max(0, Math.ceil((capacity - tokens) / refillPerSecond)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / refillPerSecond)),
  };
  return { decision, state: { tokens, updatedAtMs: nowMs } };
}
