import type { Redis } from "@upstash/redis/cloudflare";
import { assertValidBucket, idleTtlSeconds } from "./token-bucket-math";
import type { TokenBucketStore } from "./token-bucket-store";
import { TOKEN_BUCKET_LUA } from "./upstash-token-bucket-script";

export interface UpstashTokenBucketStoreOptions {
  /** Prefix of the Redis keys. Default "switchyard:tb:". */
  prefix?: string;
}

/**
 * Token buckets in Redis over the Upstash REST API: one Lua script per decision (EVALSHA, with
 * EVAL when the script is not cached yet), so N concurrent takes against a bucket of B admit
 * exactly B across all edge isolates. Redis errors reject `take`; the caller decides whether
 * to fail open.
 *
 * @example
 * const store = createUpstashTokenBucketStore(createUpstashRedis({ url, token }));
 * const d = await store.take("key:alice", { capacity: 60, refillPerSecond: 1 });
 */
export function createUpstashTokenBucketStore(
  redis: Pick<Redis, "createScript">,
  opts: UpstashTokenBucketStoreOptions = {},
): TokenBucketStore {
  const prefix = opts.prefix ?? "switchyard:tb:";
  const script = redis.createScript<[number, number, number, number]>(TOKEN_BUCKET_LUA);
  return {
    async take(key, bucket, cost = 1) {
      assertValidBucket(bucket, cost);
      const reply = await script.exec(
        [prefix + key],
        [
          String(bucket.capacity),
          String(bucket.refillPerSecond),
          String(cost),
          String(idleTtlSeconds(bucket)),
        ],
      );
      if (!Array.isArray(reply) || reply.length !== 4) {
        throw new Error(`token bucket script returned ${JSON.stringify(reply)}`);
      }
      const [allowed, remaining, resetSeconds, retryAfterSeconds] = reply.map(Number) as [
        number,
        number,
        number,
        number,
      ];
      return { allowed: allowed === 1, limit: bucket.capacity, remaining, resetSeconds, retryAfterSeconds };
    },
  };
}
