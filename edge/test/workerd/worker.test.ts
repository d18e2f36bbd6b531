/// <reference types="@cloudflare/vitest-pool-workers/types" />
/**
 * The Worker in workerd: auth, rate limit, cache, validation, streaming and the OpenAPI document
 * through the real entry point (SELF.fetch), with miniflare bindings from vitest.workers.config.ts.
 */
import { SELF } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";

const SECRET = "workerd-test-secret-0123456789abcdef";
const BASE = "https://edge.test";
const now = () => Math.floor(Date.now() / 1000);

const post = (path: string, body: unknown, key: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const jwt = (claims: Record<string, unknown> = {}) =>
  new SignJWT({
    sub: "alice",
    scope: "chat",
    iss: "switchyard-dev",
    aud: "switchyard",
    exp: now() + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(SECRET));
const backendCount = async () =>
  ((await (await fetch("http://fake-backend.test/__count")).json()) as { received: number }).received;
const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "codegemma-7b",
  messages: [{ role: "user", content }],
  max_tokens: 8,
  ...extra,
});
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { type: string; code: string; message: string } }).error;

describe("public endpoints", () => {
  it("answers a browser preflight before auth, and exposes the switchyard headers", async () => {
    const preflight = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.test");
    const res = await SELF.fetch(`${BASE}/health`, { headers: { origin: "https://app.test" } });
    expect(res.headers.get("access-control-expose-headers")).toContain("x-switchyard-model");
  });

  it("GET /health is public and carries the switchyard headers", async () => {
    const res = await SELF.fetch(`${BASE}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", models: 2 });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    for (const h of [
      "x-switchyard-model",
      "x-switchyard-route-reason",
      "x-switchyard-route-confidence",
      "x-switchyard-cache",
    ])
      expect(res.headers.get(h)).not.toBeNull();
  });

  it("GET /openapi.json is generated from the request schemas", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/generate",
      "/health",
      "/metrics",
      "/v1/chat/completions",
      "/v1/completions",
      "/v1/embeddings",
      "/v1/models",
      "/v1/models/{model}",
      "/v1/responses",
    ]);
    expect(Object.keys(doc.components.schemas.ChatCompletionRequest?.properties ?? {})).toEqual(
      expect.arrayContaining([
        "model",
        "messages",
        "max_tokens",
        "temperature",
        "top_p",
        "seed",
        "stop",
        "stream",
        "stream_options",
      ]),
    );
    expect(doc.components.schemas.GenerateRequest?.properties).toHaveProperty("prompt");
  });

  it("GET /metrics needs its own token", async () => {
    expect((await SELF.fetch(`${BASE}/metrics`)).status).toBe(401);
    expect(
      (await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: "Bearer sk-wd-auth" } })).status,
    ).toBe(401);
    const res = await SELF.fetch(`${BASE}/metrics`, { headers: { authorization: "Bearer wd-metrics" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toMatch(/^# (HELP|TYPE) switchyard_/m);
  });
});

describe("auth in workerd", () => {
  const models = (authorization?: string) =>
    SELF.fetch(`${BASE}/v1/models`, authorization ? { headers: { authorization } } : {});

  it("API key and HS256 JWT are accepted; /v1/models lists the roster plus auto", async () => {
    const res = await models("Bearer sk-wd-auth");
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(["auto", "codegemma-7b", "qwen2.5-7b-instruct"]);
    expect((await models(`Bearer ${await jwt()}`)).status).toBe(200);
  });

  it("rejects missing, unknown, expired, not-yet-valid, wrong-audience and alg:none credentials with 401", async () => {
    const none = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ sub: "alice", scope: "chat", iss: "switchyard-dev", aud: "switchyard", exp: now() + 600 })).replace(/=+$/, "")}.`;
    const cases = [
      undefined,
      "Bearer sk-unknown",
      `Bearer ${await jwt({ exp: now() - 60 })}`,
      `Bearer ${await jwt({ nbf: now() + 600 })}`,
      `Bearer ${await jwt({ aud: "other" })}`,
      `Bearer ${none}`,
      "Basic Zm9vOmJhcg==",
    ];
    for (const authorization of cases) {
      const res = await models(authorization);
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("www-authenticate"), authorization).toContain("Bearer");
      expect((await errorOf(res)).type).toBe("authentication_error");
    }
  });

  it("403 for a valid token without the chat scope", async () => {
    const res = await models(`Bearer ${await jwt({ scope: "read" })}`);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("insufficient_scope");
  });
});

describe("rate limit in workerd", () => {
  it("admits exactly the bucket size under parallel load, then 429 with Retry-After and RateLimit-*", async () => {
    const results: Response[] = await Promise.all(
      Array.from({ length: 30 }, () =>
        SELF.fetch(`${BASE}/v1/models`, { headers: { authorization: "Bearer sk-wd-rate" } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(10);
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]?.headers.get("ratelimit-limit")).toBe("20");
    expect(limited[0]?.headers.get("ratelimit-remaining")).toBe("0");
    expect((await errorOf(limited[0] as Response)).type).toBe("rate_limit_error");
  });
});

describe("validation in workerd: every bad input is a structured 4xx", () => {
  const cases: [string, unknown, number, string][] = [
    ["malformed JSON", "{not json", 400, "invalid_json"],
    ["no messages", { model: "auto" }, 400, "invalid_request"],
    ["empty messages", { model: "auto", messages: [] }, 400, "invalid_request"],
    ["bad role", { model: "auto", messages: [{ role: "wizard", content: "x" }] }, 400, "invalid_request"],
    ["temperature out of range", chat("x", { temperature: 7 }), 400, "invalid_request"],
    ["max_tokens not an integer", chat("x", { max_tokens: 1.5 }), 400, "invalid_request"],
    ["n > 1", chat("x", { n: 2 }), 400, "unsupported_parameter"],
    ["logprobs (refused, not dropped)", chat("x", { logprobs: true }), 400, "unsupported_parameter"],
    ["a field no table knows", chat("x", { frobnicate: 1 }), 400, "unsupported_parameter"],
    ["unknown model", chat("x", { model: "gpt-9" }), 404, "model_not_found"],
    ["body too large", chat("x".repeat(70_000)), 413, "request_too_large"],
  ];
  for (const [name, body, status, code] of cases) {
    it(name, async () => {
      const res = await post("/v1/chat/completions", body, "sk-wd-valid");
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/json");
      const error = await errorOf(res);
      expect(error.code).toBe(code);
      expect(typeof error.message).toBe("string");
    });
  }

  it("/generate validates its simple schema too", async () => {
    const res = await post("/generate", { prompt: "" }, "sk-wd-valid");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_request");
  });
});

describe("proxy and cache in workerd", () => {
  it("serves /v1/completions and the Responses API (JSON and typed event stream) in workerd", async () => {
    const legacy = await post(
      "/v1/completions",
      { model: "codegemma-7b", prompt: "Once", max_tokens: 8 },
      "sk-wd-stream",
    );
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toMatchObject({ object: "text_completion", model: "codegemma-7b" });
    const json = await post("/v1/responses", { model: "codegemma-7b", input: "hi" }, "sk-wd-stream");
    expect(await json.json()).toMatchObject({
      object: "response",
      status: "completed",
      output_text: "Once upon",
    });
    const res = await post(
      "/v1/responses",
      { model: "codegemma-7b", input: "hi", stream: true },
      "sk-wd-stream",
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter(Boolean)
      .map((block: string) => block.split("\n")[0]);
    expect(events[0]).toBe("event: response.created");
    expect(events.at(-1)).toBe("event: response.completed");
    expect(events).toContain("event: response.output_text.delta");
  });

  it("streams through the Worker and ends with [DONE] and the switchyard object", async () => {
    const res = await post("/v1/chat/completions", chat("stream me", { stream: true }), "sk-wd-stream");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-switchyard-model")).toBe("codegemma-7b");
    expect(res.headers.get("x-switchyard-route-reason")).toBe("explicit");
    const text = await res.text();
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(text).toContain('"switchyard":{"model":"codegemma-7b"');
  });

  it("MISS, then HIT (JSON and replayed SSE), and BYPASS with Cache-Control: no-cache", async () => {
    const before = await backendCount();
    const miss = await post("/v1/chat/completions", chat("cache me", { temperature: 0 }), "sk-wd-cache");
    expect(miss.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(
      ((await miss.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe("Once upon");
    await new Promise((r) => setTimeout(r, 50));
    const hit = await post("/v1/chat/completions", chat("cache me", { temperature: 0 }), "sk-wd-cache");
    expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
    const replay = await post(
      "/v1/chat/completions",
      chat("cache me", { stream: true, temperature: 0 }),
      "sk-wd-cache",
    );
    expect(replay.headers.get("x-switchyard-cache")).toBe("HIT");
    const text = await replay.text();
    expect(text).toContain('"content":"Once upon"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const bypass = await post("/v1/chat/completions", chat("cache me", { temperature: 0 }), "sk-wd-cache", {
      "cache-control": "no-cache",
    });
    expect(bypass.headers.get("x-switchyard-cache")).toBe("BYPASS");
    expect((await backendCount()) - before).toBe(2);
  });

  it("/generate answers in its own shape", async () => {
    const res = await post("/generate", { prompt: "hello", model: "codegemma-7b" }, "sk-wd-stream");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; text: string; switchyard: { model: string } };
    expect(body).toMatchObject({
      object: "generation",
      text: "Once upon",
      switchyard: { model: "codegemma-7b" },
    });
  });
});
