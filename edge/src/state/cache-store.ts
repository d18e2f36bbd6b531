/**
 * Shared key-value state with expiry, used by the response cache.
 * Values are opaque strings (the cache module serialises its entries).
 *
 * @example
 * await store.set("cache:v1:abc", JSON.stringify(entry), 300);
 * const hit = await store.get("cache:v1:abc");
 */
export interface CacheStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}
