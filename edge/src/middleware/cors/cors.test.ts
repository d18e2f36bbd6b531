import { describe, expect, it } from "vitest";
import { createTestEdge, TEST_KEY } from "../../../test/support/harness";

const BACKENDS = JSON.stringify({ "codegemma-7b": "http://127.0.0.1:9" });
const APP = "https://chat.example";

describe("CORS (SWITCHYARD_CORS_ORIGINS)", () => {
  it("answers a credential-less preflight from an allowed origin with 204, before auth", async () => {
    const { app } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_CORS_ORIGINS: APP });
    const res = await app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-stainless-os",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization,content-type,x-stainless-os");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("exposes the x-switchyard-* and rate-limit headers on real responses, errors included", async () => {
    const { app } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_CORS_ORIGINS: APP });
    const ok = await app.request("/v1/models", {
      headers: { origin: APP, authorization: `Bearer ${TEST_KEY}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP);
    const exposed = (ok.headers.get("access-control-expose-headers") ?? "").split(",");
    for (const h of [
      "x-switchyard-model",
      "x-switchyard-cache",
      "x-request-id",
      "ratelimit-remaining",
      "retry-after",
    ])
      expect(exposed).toContain(h);
    expect(ok.headers.get("ratelimit-remaining")).not.toBeNull();
    // A 401 must be readable by the page too, or the browser reports a network error instead.
    const denied = await app.request("/v1/models", { headers: { origin: APP } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("gives other origins no CORS grant, and is off when unset", async () => {
    const { app } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_CORS_ORIGINS: APP });
    const other = await app.request("/v1/models", {
      headers: { origin: "https://evil.example", authorization: `Bearer ${TEST_KEY}` },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const off = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS }).app;
    const preflight = await off.request("/v1/models", {
      method: "OPTIONS",
      headers: { origin: APP, "access-control-request-method": "GET" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("`*` allows any origin; a malformed origin is a configuration error naming the variable", async () => {
    const { app } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_CORS_ORIGINS: "*" });
    const res = await app.request("/health", { headers: { origin: "https://any.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(() =>
      createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_CORS_ORIGINS: "chat.example/path" }),
    ).toThrow(/SWITCHYARD_CORS_ORIGINS/);
  });
});
