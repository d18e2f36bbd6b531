import type { Context, MiddlewareHandler } from "hono";
import { background } from "../../http/background";
import type { CacheStatus, EdgeHonoEnv } from "../../http/context";
import type { CacheStore } from "../../state/cache-store";
import { type CachedCompletion, parseCachedCompletion } from "./entry";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the cache middleware on a MISS: the proxy calls it once a reply completed cleanly. */
    cacheWrite: ((entry: CachedCompletion) => void) | undefined;
    /** Set by the cache middleware: whether this reply came from the cache. */
    cacheStatus: CacheStatus;
  }
}

export type { CachedCompletion } from "./entry";

type C = Context<EdgeHonoEnv>;

export interface CacheOptions {
  store: CacheStore;
  ttlSeconds: number;
  /** Cache key of the request, or null when it is not cacheable (e.g. invalid: validation answers it). */
  keyOf: (c: C) => Promise<string | null>;
  /** Renders a hit in the shape the request asked for (JSON, or replayed as SSE when streaming). */
  render: (c: C, entry: CachedCompletion) => Response | Promise<Response>;
  onStoreError?: (error: unknown) => void;
}

/**
 * Exact-match response cache. A hit is answered here (`x-switchyard-cache: HIT`); on a miss the
 * request goes on with `cacheWrite` set, which the proxy calls only for a reply that completed
 * cleanly (never errors, aborted or truncated streams). `Cache-Control: no-cache` skips the
 * lookup (the fresh reply still refreshes the entry); `no-store` skips the cache entirely.
 * Both report BYPASS and work out no key on the request path. A failing store is treated as a miss.
 *
 * @example
 * app.post("/v1/chat/completions", cache({ store, ttlSeconds: 300, keyOf, render }));
 */
export function cache(opts: CacheOptions): MiddlewareHandler<EdgeHonoEnv> {
  return async (c, next) => {
    const directives = (c.req.header("cache-control") ?? "").toLowerCase();
    if (directives.includes("no-store") || opts.ttlSeconds <= 0) {
      // Nothing to look up and nothing to write: the key is never needed.
      c.set("cacheStatus", "BYPASS");
      return next();
    }
    if (directives.includes("no-cache")) {
      // No lookup, so the key is only needed to refresh the entry: worked out after the reply,
      // off the request path, and only for a reply that completed cleanly.
      c.set("cacheStatus", "BYPASS");
      c.set("cacheWrite", (entry) => {
        const write = async () => {
          const key = await opts.keyOf(c);
          if (key !== null) await opts.store.set(key, JSON.stringify(entry), opts.ttlSeconds);
        };
        background(
          c,
          write().catch((error: unknown) => opts.onStoreError?.(error)),
        );
      });
      return next();
    }
    const key = await opts.keyOf(c);
    if (key === null) {
      c.set("cacheStatus", "BYPASS");
      return next();
    }
    let entry: CachedCompletion | null = null;
    try {
      const text = await opts.store.get(key);
      entry = text === null ? null : parseCachedCompletion(text);
    } catch (error) {
      opts.onStoreError?.(error);
    }
    if (entry) {
      c.set("cacheStatus", "HIT");
      return opts.render(c, entry);
    }
    c.set("cacheStatus", "MISS");
    c.set("cacheWrite", (entry) => {
      background(
        c,
        opts.store
          .set(key, JSON.stringify(entry), opts.ttlSeconds)
          .catch((error: unknown) => opts.onStoreError?.(error)),
      );
    });
    await next();
  };
}
