import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GAUGE_STALE_MS, MetricsAggregate } from "./aggregate";
import { createEdgeMetrics, MetricsRegistry } from "./registry";

/** The same events, in any split across isolates, must give the same totals. */
function drive(metrics: ReturnType<typeof createEdgeMetrics>, events: number[]) {
  for (const n of events) {
    metrics.httpRequests.inc({
      route: "/v1/chat/completions",
      status_class: n % 5 === 0 ? "5xx" : "2xx",
      model: "codegemma-7b",
    });
    metrics.cacheLookups.inc({ result: n % 3 === 0 ? "hit" : "miss" });
    metrics.edgeAddedLatency.observe({ route: "/v1/chat/completions" }, (n % 7) / 8); // exact in binary: sums compare exactly
  }
}

describe("MetricsRegistry deltas", () => {
  it("hands out each increment exactly once", () => {
    const registry = new MetricsRegistry();
    const c = registry.counter("x_total", "X");
    c.inc({ a: "1" }, 2);
    expect(registry.takeDelta().families[0]?.series[0]?.value).toBe(2);
    expect(registry.takeDelta().families).toEqual([]);
    c.inc({ a: "1" });
    expect(registry.takeDelta().families[0]?.series[0]?.value).toBe(1);
    // The isolate's own totals are unaffected by pushing.
    expect(registry.render()).toContain('x_total{a="1"} 3');
  });

  it("label order does not split a series", () => {
    const registry = new MetricsRegistry();
    const c = registry.counter("x_total", "X");
    c.inc({ a: "1", b: "2" });
    c.inc({ b: "2", a: "1" });
    expect(registry.render()).toContain('x_total{a="1",b="2"} 2');
  });
});

describe("MetricsAggregate across isolates", () => {
  const events = Array.from({ length: 200 }, (_, i) => i);

  it("isolates pushing deltas give the same totals as one registry that saw everything", () => {
    const single = createEdgeMetrics();
    drive(single, events);

    const totals = new MetricsAggregate();
    const isolates = [createEdgeMetrics(), createEdgeMetrics(), createEdgeMetrics()];
    events.forEach((n, i) => {
      const isolate = isolates[i % 3] as ReturnType<typeof createEdgeMetrics>;
      drive(isolate, [n]);
      // Pushes at irregular moments, as the 1 s debounce would.
      if (i % 17 === 0) totals.apply(`iso-${i % 3}`, isolate.registry.takeDelta(), 0);
    });
    for (const [i, m] of isolates.entries()) totals.apply(`iso-${i}`, m.registry.takeDelta(), 0);

    const counted = (text: string) =>
      text
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .sort();
    const expected = counted(single.registry.render()).filter((l) => !/ 0$/.test(l) || l.includes("_bucket"));
    expect(counted(totals.render(0))).toEqual(expected);
  });

  it("survives a storage round trip", () => {
    const totals = new MetricsAggregate();
    const isolate = createEdgeMetrics();
    drive(isolate, events);
    isolate.circuitState.set({ model: "gemma-2-9b-it" }, 2);
    totals.apply("a", isolate.registry.takeDelta(), 0);
    const restored = new MetricsAggregate(JSON.parse(JSON.stringify(totals.toState())));
    expect(restored.render(0)).toBe(totals.render(0));
  });

  it("a gauge is the maximum over fresh isolates; stale reports expire", () => {
    const totals = new MetricsAggregate();
    const a = createEdgeMetrics();
    const b = createEdgeMetrics();
    a.circuitState.set({ model: "gemma-2-9b-it" }, 0);
    b.circuitState.set({ model: "gemma-2-9b-it" }, 2);
    totals.apply("a", a.registry.takeDelta(), 1000);
    totals.apply("b", b.registry.takeDelta(), 0);
    expect(totals.render(1000)).toContain('switchyard_circuit_state{model="gemma-2-9b-it"} 2');
    expect(totals.render(GAUGE_STALE_MS + 500)).toContain(
      'switchyard_circuit_state{model="gemma-2-9b-it"} 0',
    );
  });

  it("the aggregated exposition passes promtool check metrics", () => {
    const promtool = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
    if (!promtool) {
      if (process.env.CI === "true") throw new Error("promtool missing (apt-get install prometheus)");
      console.warn("\n!!! SKIPPING promtool check: promtool not on PATH\n");
      return;
    }
    const totals = new MetricsAggregate();
    const isolate = createEdgeMetrics();
    drive(isolate, events);
    isolate.circuitState.set({ model: "gemma-2-9b-it" }, 1);
    totals.apply("a", isolate.registry.takeDelta(), 0);
    const result = spawnSync(promtool, ["check", "metrics"], { input: totals.render(0), encoding: "utf8" });
    expect(result.stderr + result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
