import type { CacheStore } from "./cache-store";

export interface MemoryCacheStoreOptions {
  /** Most entries kept (least recently used evicted first). Default 1000. */
  maxEntries?: number;
  /** Most total value size in UTF-16 code units (roughly bytes / 2). Default 16 Mi units. */
  maxSize?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAtMs: number;
}

/**
 * Bounded in-memory LRU cache with per-entry TTL, for a single isolate or process.
 * Values larger than `maxSize` are not stored.
 *
 * @example
 * const cache = createMemoryCacheStore({ maxEntries: 500 });
 * await cache.set("k", "v", 300);
 */
export function createMemoryCacheStore(opts: MemoryCacheStoreOptions = {}): CacheStore {
  const maxEntries = opts.maxEntries ?? 1000;
  const maxSize = opts.maxSize ?? 16 * 1024 * 1024;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let size = 0;

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    size -= entry.value.length;
  };

  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAtMs <= now()) {
        remove(key);
        return null;
      }
      // Refresh recency.
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      remove(key);
      if (!(ttlSeconds > 0) || value.length > maxSize) return;
      entries.set(key, { value, expiresAtMs: now() + ttlSeconds * 1000 });
      size += value.length;
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && size <= maxSize) break;
        remove(oldest);
      }
    },
  };
}
