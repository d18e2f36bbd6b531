import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { httpMetrics, noteUpstreamTtft } from "./http-metrics";
import { createEdgeMetrics } from "./registry";

function appWith(metrics = createEdgeMetrics()) {
  const app = new Hono();
  app.use("*", httpMetrics({ metrics, modelIds: ["codegemma-7b"] }));
  app.post("/v1/chat/completions", (c) => {
    const kind = c.req.query("kind");
    if (kind === "limited")
      return c.json(
        { error: { message: "slow down", type: "rate_limit", code: "rate_limit_exceeded" } },
        429,
      );
    if (kind === "hit")
      return c.json({}, 200, {
        "x-switchyard-model": "codegemma-7b",
        "x-switchyard-cache": "HIT",
        "x-switchyard-route-reason": "explicit",
      });
    noteUpstreamTtft(c.req.raw, 0);
    return c.body("data: {}\n\n", 200, {
      "content-type": "text/event-stream",
      "x-switchyard-model": kind === "weird" ? "user-supplied-junk" : "codegemma-7b",
      "x-switchyard-cache": "MISS",
      "x-switchyard-route-reason": "round-robin",
    });
  });
  return { app, metrics };
}

describe("httpMetrics", () => {
  it("counts requests, cache results, rate limits and route decisions with bounded labels", async () => {
    const { app, metrics } = appWith();
    for (const kind of ["hit", "miss", "miss", "limited", "weird"])
      await app.request(`/v1/chat/completions?kind=${kind}`, { method: "POST" });
    await app.request("/some/raw/path/123", { method: "GET" });
    const text = metrics.registry.render();
    expect(text).toContain(
      'switchyard_http_requests_total{route="/v1/chat/completions",status_class="2xx",model="codegemma-7b"} 3',
    );
    expect(text).toContain(
      'switchyard_http_requests_total{route="/v1/chat/completions",status_class="2xx",model="none"} 1',
    );
    expect(text).toContain(
      'switchyard_http_requests_total{route="/v1/chat/completions",status_class="4xx",model="none"} 1',
    );
    // The raw path never becomes a label value (a number such as 123 could occur in a sum).
    expect(text).not.toContain("/some/raw/path");
    expect(text).not.toContain("user-supplied-junk");
    expect(text).toContain('switchyard_cache_lookups_total{result="hit"} 1');
    expect(text).toContain('switchyard_cache_lookups_total{result="miss"} 3');
    expect(text).toContain('switchyard_rate_limited_total{route="/v1/chat/completions"} 1');
    // Cache hits are not routing decisions.
    expect(text).toContain('switchyard_route_decisions_total{model="codegemma-7b",reason="round-robin"} 2');
    expect(text).not.toContain('reason="explicit"');
    expect(text).toMatch(/switchyard_edge_added_latency_seconds_count\{route="\/v1\/chat\/completions"\} 5/);
  });
});
