import { type AggregateState, MetricsAggregate } from "./aggregate";
import type { MetricsDelta } from "./snapshot";

/** The parts of DurableObjectState this object uses. */
interface AggregatorState {
  storage: { get<T>(key: string): Promise<T | undefined>; put(key: string, value: unknown): Promise<void> };
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

const STORAGE_KEY = "aggregate";

/**
 * The Durable Object that holds the edge's metric totals across all isolates (one instance,
 * named "global"). POST /push adds an isolate's delta; GET /metrics renders the totals in the
 * Prometheus text format. Totals persist in the object's storage, so they survive eviction.
 * Exported from the worker entry and bound as SWITCHYARD_METRICS_AGGREGATOR in wrangler.toml;
 * self-hosted workerd (infra/workerd, storage on local disk) and `wrangler dev` run the same code.
 */
export class MetricsAggregator {
  private aggregate = new MetricsAggregate();

  constructor(
    private readonly state: AggregatorState,
    _env: unknown,
  ) {
    void state.blockConcurrencyWhile(async () => {
      this.aggregate = new MetricsAggregate(await state.storage.get<AggregateState>(STORAGE_KEY));
    });
  }

  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname === "/push") {
      const body = (await request.json()) as { isolate?: unknown; delta?: MetricsDelta };
      if (typeof body.isolate !== "string" || !Array.isArray(body.delta?.families)) {
        return new Response("bad push", { status: 400 });
      }
      this.aggregate.apply(body.isolate, body.delta, Date.now());
      await this.state.storage.put(STORAGE_KEY, this.aggregate.toState());
      return new Response(null, { status: 204 });
    }
    if (request.method === "GET" && pathname === "/metrics") {
      return new Response(this.aggregate.render(Date.now()), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    return new Response("not found", { status: 404 });
  }
}
