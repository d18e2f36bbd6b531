import type { Redis } from "@upstash/redis/cloudflare";
import type { CacheStore } from "./cache-store";

export interface UpstashCacheStoreOptions {
  /** Prefix of the Redis keys. Default "switchyard:" (the cache module already namespaces its keys, e.g. "cache:v1:..."). */
  prefix?: string;
}

/**
 * Response cache entries in Redis over the Upstash REST API (`SET key value EX ttl`, `GET`).
 * Expects a client without automatic JSON parsing (see `createUpstashRedis`); with a default
 * client, parsed values are turned back into JSON text.
 *
 * @example
 * const cache = createUpstashCacheStore(createUpstashRedis({ url, token }));
 * await cache.set("abc", body, 300);
 */
export function createUpstashCacheStore(
  redis: Pick<Redis, "get" | "set">,
  opts: UpstashCacheStoreOptions = {},
): CacheStore {
  const prefix = opts.prefix ?? "switchyard:";
  return {
    async get(key) {
      const value = await redis.get<unknown>(prefix + key);
      if (value === null || value === undefined) return null;
      return typeof value === "string" ? value : JSON.stringify(value);
    },
    async set(key, value, ttlSeconds) {
      const ttl = Math.ceil(ttlSeconds);
      if (!(ttl > 0)) return;
      await redis.set(prefix + key, value, { ex: ttl });
    },
  };
}
