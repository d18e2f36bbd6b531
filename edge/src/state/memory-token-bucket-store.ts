import {
  assertValidBucket,
  idleTtlSeconds,
  stepTokenBucket,
  type TokenBucketState,
} from "./token-bucket-math";
import type { TokenBucketStore } from "./token-bucket-store";

export interface MemoryTokenBucketStoreOptions {
  /** Most buckets kept; the least recently used one is dropped beyond this (it then counts as full). */
  maxBuckets?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface StoredBucket extends TokenBucketState {
  expiresAtMs: number;
}

/**
 * In-memory token buckets for a single isolate or process (used when no Redis is configured).
 * Decisions are synchronous inside `take`, so concurrent calls are atomic. Note that Workers
 * isolates do not share memory: with several isolates each enforces its own limit.
 *
 * @example
 * const store = createMemoryTokenBucketStore();
 * const d = await store.take("key:alice", { capacity: 10, refillPerSecond: 1 });
 */
export function createMemoryTokenBucketStore(opts: MemoryTokenBucketStoreOptions = {}): TokenBucketStore {
  const maxBuckets = opts.maxBuckets ?? 10_000;
  const now = opts.now ?? Date.now;
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recent.
  const buckets = new Map<string, StoredBucket>();

  return {
    async take(key, bucket, cost = 1) {
      assertValidBucket(bucket, cost);
      const nowMs = now();
      let previous = buckets.get(key);
      if (previous && previous.expiresAtMs <= nowMs) previous = undefined;
      const { decision, state } = stepTokenBucket(previous, bucket, cost, nowMs);
      buckets.delete(key);
      buckets.set(key, { ...state, expiresAtMs: nowMs + idleTtlSeconds(bucket) * 1000 });
      while (buckets.size > maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
      return decision;
    },
  };
}
