import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { spanOf, startSpan, tracing } from "./index";

describe("startSpan", () => {
  it("continues a valid traceparent and starts a new trace otherwise", () => {
    const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const span = startSpan(parent);
    expect(span.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(span.parentSpanId).toBe("00f067aa0ba902b7");
    expect(span.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(span.spanId).not.toBe("00f067aa0ba902b7");
    for (const bad of [undefined, "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]) {
      const fresh = startSpan(bad);
      expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(fresh.traceId).not.toBe("00000000000000000000000000000000");
      expect(fresh.parentSpanId).toBeUndefined();
    }
  });
});

describe("tracing middleware", () => {
  it("exports one OTLP/HTTP JSON span with the request id when the streamed body ends", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: OTLP JSON is walked loosely in this test
    const exported: Array<{ url: string; body: any }> = [];
    const capture = (async (url: string, init: RequestInit) => {
      exported.push({ url, body: JSON.parse(String(init.body)) });
      return new Response(null, { status: 200 });
    }) as unknown as typeof fetch;
    const app = new Hono<{ Variables: { requestId: string } }>();
    let seen: ReturnType<typeof spanOf>;
    app.use("*", async (c, next) => {
      c.set("requestId", "req-123");
      await next();
    });
    app.use("*", tracing({ endpoint: () => "http://collector:4318/", fetch: capture }));
    app.post("/v1/chat/completions", (c) => {
      seen = spanOf(c);
      return c.body("data: [DONE]\n\n", 200, {
        "content-type": "text/event-stream",
        "x-switchyard-model": "codegemma-7b",
      });
    });
    const res = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    expect(exported).toHaveLength(0); // not before the body is consumed
    expect(await res.text()).toBe("data: [DONE]\n\n");
    await new Promise((r) => setTimeout(r, 10));
    expect(exported).toHaveLength(1);
    expect(exported[0]?.url).toBe("http://collector:4318/v1/traces");
    const span = exported[0]?.body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(span.spanId).toBe(seen?.spanId);
    expect(span.parentSpanId).toBe("00f067aa0ba902b7");
    const attrs = Object.fromEntries(
      // biome-ignore lint/suspicious/noExplicitAny: OTLP attribute values are a tagged union
      span.attributes.map((a: any) => [a.key, a.value.stringValue ?? a.value.intValue]),
    );
    expect(attrs).toMatchObject({
      "switchyard.request_id": "req-123",
      "http.route": "/v1/chat/completions",
      "http.response.status_code": "200",
      "switchyard.model": "codegemma-7b",
    });
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano));
  });

  it("exports nothing without an endpoint", async () => {
    let calls = 0;
    const app = new Hono();
    app.use(
      "*",
      tracing({
        endpoint: () => undefined,
        fetch: (async () => {
          calls++;
          return new Response();
        }) as unknown as typeof fetch,
      }),
    );
    app.get("/health", (c) => c.json({ ok: true }));
    await (await app.request("/health")).text();
    expect(calls).toBe(0);
  });
});
