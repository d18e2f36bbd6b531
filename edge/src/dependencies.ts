import type { EdgeConfig } from "./config";
import { createJsonLinesSink } from "./log/json-lines-sink";
import { createPostgresSink } from "./log/postgres-sink";
import type { RequestLogSink } from "./log/request-record";
import type { RoutingPolicy } from "./routing";
import { autoPolicyFactories } from "./routing";
import type { CacheStore } from "./state/cache-store";
import { createMemoryCacheStore } from "./state/memory-cache-store";
import { createMemoryTokenBucketStore } from "./state/memory-token-bucket-store";
import type { TokenBucketStore } from "./state/token-bucket-store";
import { createUpstashCacheStore } from "./state/upstash-cache-store";
import { createUpstashRedis } from "./state/upstash-redis";
import { createUpstashTokenBucketStore } from "./state/upstash-token-bucket-store";

/** The edge's swappable parts: shared state, the request log, and the `auto` policy. */
export interface EdgeDependencies {
  tokenBuckets: TokenBucketStore;
  cache: CacheStore;
  logSink: RequestLogSink;
  /** Policy for `model: "auto"`; undefined means round-robin. */
  autoPolicy?: RoutingPolicy | undefined;
  /** Registers who hears about request-log writes that failed (the app counts them in /metrics). */
  onLogWriteFailure?: (listener: () => void) => void;
  /** Upstream fetch (tests may inject one); default: the global fetch. */
  fetch?: typeof fetch;
}

/**
 * The one place where implementations are chosen: Upstash Redis when UPSTASH_REDIS_REST_URL is
 * set, in-memory otherwise; Postgres when DATABASE_URL is set, JSON log lines otherwise.
 *
 * @example const deps = createEdgeDependencies(loadEdgeConfig(env));
 */
export function createEdgeDependencies(config: EdgeConfig): EdgeDependencies {
  const redis = config.upstash ? createUpstashRedis(config.upstash) : undefined;
  const autoFactory = autoPolicyFactories[config.routingPolicy];
  let logFailureListener = () => {};
  return {
    tokenBuckets: redis ? createUpstashTokenBucketStore(redis) : createMemoryTokenBucketStore(),
    cache: redis ? createUpstashCacheStore(redis) : createMemoryCacheStore(),
    // The JSON line is always written (log shipping: request id, trace id, model, status, timings;
    // the prompt only as its HMAC); Postgres gets the same record when configured.
    logSink: config.database
      ? teeSinks(
          createPostgresSink({
            connectionString: config.database.url,
            ...(config.database.wsProxy ? { wsProxy: config.database.wsProxy } : {}),
            onFailure: () => logFailureListener(),
          }),
          createJsonLinesSink(),
        )
      : createJsonLinesSink(),
    autoPolicy: autoFactory
      ? autoFactory(config.roster, { maxQualityLoss: config.routerMaxQualityLoss })
      : undefined,
    onLogWriteFailure: (listener) => {
      logFailureListener = listener;
    },
  };
}

/** Writes each record to every sink; one failing sink never stops the others. */
export function teeSinks(...sinks: RequestLogSink[]): RequestLogSink {
  return {
    async write(record) {
      await Promise.allSettled(sinks.map((sink) => sink.write(record)));
    },
  };
}
