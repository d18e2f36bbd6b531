import { Redis } from "@upstash/redis/cloudflare";

export interface UpstashRedisConfig {
  url: string;
  token: string;
  /** Retries on network errors (not on Redis errors). Kept low: these calls sit in the request path. */
  retries?: number;
}

/**
 * The Upstash REST client as the edge's state stores expect it: values come back as the raw
 * strings that were stored (no automatic JSON parsing), no telemetry headers, short retries.
 * Works in workerd and Node (fetch based).
 *
 * @example
 * const redis = createUpstashRedis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
 * const limiter = createUpstashTokenBucketStore(redis);
 */
export function createUpstashRedis(config: UpstashRedisConfig): Redis {
  const retries = config.retries ?? 2;
  return new Redis({
    url: config.url,
    token: config.token,
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: { retries, backoff: (attempt) => 25 * 2 ** attempt },
  });
}

export type { Redis };
