import type { Context } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AGGREGATOR_BINDING, createMetricsPublisher, type MetricsAggregatorNamespace } from "./publisher";
import { MetricsRegistry } from "./registry";
import type { MetricsDelta } from "./snapshot";

/**
 * The aggregator Durable Object is faked here for fault injection (answers that fail or never
 * come); the real one is exercised on workerd by edge/test/e2e/npm-start-workerd.test.ts.
 */
function fakeAggregator(answer: (push: number) => Promise<Response>) {
  const pushed: MetricsDelta[] = [];
  const namespace: MetricsAggregatorNamespace = {
    idFromName: (name) => name,
    get: () => ({
      fetch: async (_url, init) => {
        pushed.push((JSON.parse(String(init?.body)) as { delta: MetricsDelta }).delta);
        return answer(pushed.length);
      },
    }),
  };
  const context = {
    env: { [AGGREGATOR_BINDING]: namespace },
    executionCtx: { waitUntil: () => {} },
  } as unknown as Context;
  /** What the pushes carried for the counter, summed. */
  const total = () =>
    pushed.flatMap((d) => d.families.flatMap((f) => f.series)).reduce((sum, s) => sum + s.value, 0);
  return { pushed, context, total };
}

const ok = async () => new Response("ok");

describe("metrics publisher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("pushes the increments of one window in one push", async () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("x_total", "X");
    const aggregator = fakeAggregator(ok);
    const publisher = createMetricsPublisher({ registry, flushDelayMs: 1000 });
    for (let i = 0; i < 3; i += 1) {
      requests.inc({});
      publisher.schedule(aggregator.context);
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(aggregator.pushed).toHaveLength(1);
    expect(aggregator.total()).toBe(3);
  });

  it("keeps what a failed push carried and sends it with the next one", async () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("x_total", "X");
    const aggregator = fakeAggregator(async (n) => (n === 1 ? new Response("down", { status: 503 }) : ok()));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const publisher = createMetricsPublisher({ registry, flushDelayMs: 1000 });
    requests.inc({}, 2);
    publisher.schedule(aggregator.context);
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveBeenCalledTimes(1);
    requests.inc({}, 5);
    publisher.schedule(aggregator.context);
    await vi.advanceTimersByTimeAsync(1000);
    // The second window sends the failed delta again, then its own: 2 (failed) + 2 + 5.
    expect(aggregator.pushed).toHaveLength(3);
    expect(aggregator.total() - 2).toBe(7);
    errors.mockRestore();
  });

  it("gives up a push that never settles, goes on pushing, and never sends an increment twice", async () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("x_total", "X");
    const aggregator = fakeAggregator((n) => (n === 1 ? new Promise<Response>(() => {}) : ok()));
    const publisher = createMetricsPublisher({ registry, flushDelayMs: 1000, abandonAfterMs: 30_000 });
    requests.inc({}, 4);
    publisher.schedule(aggregator.context);
    await vi.advanceTimersByTimeAsync(1000);
    expect(aggregator.pushed).toHaveLength(1); // and it hangs
    requests.inc({});
    publisher.schedule(aggregator.context); // still within the push's 30 s: nothing new starts
    await vi.advanceTimersByTimeAsync(1000);
    expect(aggregator.pushed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    requests.inc({}, 2);
    publisher.schedule(aggregator.context);
    await vi.advanceTimersByTimeAsync(1000);
    expect(aggregator.pushed).toHaveLength(2);
    // Each increment went to exactly one push: 4 in the stuck one, 1 + 2 in the next.
    expect(aggregator.total()).toBe(7);
    expect(aggregator.pushed[1]?.families[0]?.series[0]?.value).toBe(3);
  });
});
