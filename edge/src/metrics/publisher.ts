import type { Context } from "hono";
import type { MetricsRegistry } from "./registry";
import type { MetricsDelta } from "./snapshot";

/** The Durable Object namespace binding (wrangler.toml: SWITCHYARD_METRICS_AGGREGATOR). */
export interface MetricsAggregatorNamespace {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** The single aggregator instance every isolate reports to. */
export const AGGREGATOR_NAME = "global";
export const AGGREGATOR_BINDING = "SWITCHYARD_METRICS_AGGREGATOR";

export interface MetricsPublisher {
  /** After a response: push this isolate's increments within `flushDelayMs` (one push per window). */
  schedule(c: Context): void;
  /** Pushes what is pending now, then returns the totals across isolates (Prometheus text). */
  scrape(namespace: MetricsAggregatorNamespace): Promise<string>;
}

export interface MetricsPublisherOptions {
  registry: MetricsRegistry;
  /** Identifies this isolate to the aggregator (its gauges are kept per isolate). */
  isolateId?: string;
  flushDelayMs?: number;
  /**
   * A push still unsettled after this long is given up and the next one may start (Workers end
   * `waitUntil` work after 30 s, and a push that never settles must not stop this isolate's
   * pushes for good). Its increments are not sent again, so none is counted twice.
   */
  abandonAfterMs?: number;
  /** Deltas kept for a retry when the aggregator cannot be reached (oldest dropped beyond this). */
  maxUnsent?: number;
}

export function aggregatorNamespace(env: unknown): MetricsAggregatorNamespace | undefined {
  const binding = (env as Record<string, unknown> | undefined)?.[AGGREGATOR_BINDING];
  return binding && typeof (binding as MetricsAggregatorNamespace).idFromName === "function"
    ? (binding as MetricsAggregatorNamespace)
    : undefined;
}

/**
 * Cross-isolate metrics: each isolate keeps its own registry and pushes increments (never
 * totals) to one Durable Object, at most once per `flushDelayMs`, from `waitUntil` so no
 * response waits. The Durable Object adds them up and answers /metrics with the totals.
 * Without the binding (Node tests) nothing is pushed and /metrics shows the local registry.
 *
 * @example
 * const publisher = createMetricsPublisher({ registry: metrics.registry });
 * app.use("*", httpMetrics({ metrics, modelIds, publisher }));
 */
export function createMetricsPublisher(options: MetricsPublisherOptions): MetricsPublisher {
  const { registry, flushDelayMs = 1000, abandonAfterMs = 30_000, maxUnsent = 60 } = options;
  // Drawn on the first push, not here: the app may be built at isolate start (global scope),
  // where workerd forbids generating random values.
  let isolateId = options.isolateId;
  const unsent: MetricsDelta[] = [];
  let pending: Promise<void> | undefined;
  let pendingSince = 0;

  const stub = (namespace: MetricsAggregatorNamespace) =>
    namespace.get(namespace.idFromName(AGGREGATOR_NAME) as never);

  async function flush(namespace: MetricsAggregatorNamespace): Promise<void> {
    isolateId ??= crypto.randomUUID();
    const delta = registry.takeDelta();
    if (delta.families.length > 0) unsent.push(delta);
    while (unsent.length > maxUnsent) unsent.shift();
    while (unsent.length > 0) {
      // Taken out before it is sent: a push given up as stuck and a later one never carry the
      // same increments. A failed push puts its delta back for the next one.
      const next = unsent.shift() as MetricsDelta;
      try {
        const res = await stub(namespace).fetch("https://metrics-aggregator/push", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ isolate: isolateId, delta: next }),
        });
        // Read off whatever it answered: an unread body holds its buffers until garbage collection.
        await res.body?.cancel();
        if (!res.ok) throw new Error(`metrics aggregator answered ${res.status}`);
      } catch (error) {
        unsent.unshift(next);
        throw error;
      }
    }
  }

  return {
    schedule(c) {
      const namespace = aggregatorNamespace(c.env);
      if (!namespace) return;
      if (pending && Date.now() - pendingSince < abandonAfterMs) return;
      const push: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, flushDelayMs))
        .then(() => flush(namespace))
        .catch((error: unknown) =>
          console.error(JSON.stringify({ msg: "metrics push failed", error: String(error) })),
        )
        .finally(() => {
          if (pending === push) pending = undefined;
        });
      pending = push;
      pendingSince = Date.now();
      try {
        c.executionCtx.waitUntil(push);
      } catch {
        // No ExecutionContext (app.request in Node tests): the timer runs on its own.
      }
    },
    async scrape(namespace) {
      await flush(namespace);
      const res = await stub(namespace).fetch("https://metrics-aggregator/metrics");
      if (!res.ok) throw new Error(`metrics aggregator answered ${res.status}`);
      return res.text();
    },
  };
}
