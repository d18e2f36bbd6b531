import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TOKENS, type FakeBackend, startFakeBackend } from "../../../test/support/fake-backend";
import { chatBody, chatText, createTestEdge, readSse, TEST_KEY } from "../../../test/support/harness";

const A = "codegemma-7b";
const TEXT = DEFAULT_TOKENS.join("");
let a: FakeBackend;
let edge: ReturnType<typeof createTestEdge>;

beforeAll(async () => {
  a = await startFakeBackend();
});
afterAll(() => a.close());
beforeEach(() => {
  a.reset();
  edge = createTestEdge({
    SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url }),
    SWITCHYARD_RETRIES: "0",
    SWITCHYARD_IDLE_TIMEOUT_MS: "300",
  });
});
const settle = () => new Promise((r) => setTimeout(r, 30));
/** A deterministic request (temperature 0): what the default cache mode caches. */
const det = (model: string, extra: Record<string, unknown> = {}) =>
  chatBody(model, { temperature: 0, ...extra });

describe("response cache", () => {
  it("MISS then HIT for the same request; the backend is called once", async () => {
    const first = await edge.post("/v1/chat/completions", det(A));
    expect(first.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(((await first.json()) as { switchyard: { cache: string } }).switchyard.cache).toBe("MISS");
    await settle();
    const second = await edge.post("/v1/chat/completions", det(A));
    expect(second.status).toBe(200);
    expect(second.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(second.headers.get("x-switchyard-model")).toBe(A);
    const body = (await second.json()) as {
      choices: { message: { content: string } }[];
      switchyard: { cache: string };
    };
    expect(body.choices[0]?.message.content).toBe(TEXT);
    expect(body.switchyard.cache).toBe("HIT");
    expect(a.received).toHaveLength(1);
  });

  it("a hit on a streaming request is replayed as SSE ending in [DONE]", async () => {
    await edge.post("/v1/chat/completions", det(A));
    await settle();
    const res = await edge.post(
      "/v1/chat/completions",
      det(A, { stream: true, stream_options: { include_usage: true } }),
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-switchyard-cache")).toBe("HIT");
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    expect(chatText(sse.events)).toBe(TEXT);
    const last = sse.events.at(-1) as { usage: { completion_tokens: number }; switchyard: { cache: string } };
    expect(last.usage.completion_tokens).toBe(DEFAULT_TOKENS.length);
    expect(last.switchyard.cache).toBe("HIT");
    expect(a.received).toHaveLength(1);
  });

  it("a streamed reply is cached and serves a later non-streaming request", async () => {
    await readSse(await edge.post("/v1/chat/completions", det(A, { stream: true })));
    await settle();
    const res = await edge.post("/v1/chat/completions", det(A));
    expect(res.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(a.received).toHaveLength(1);
  });

  it("Cache-Control: no-cache bypasses the lookup", async () => {
    await edge.post("/v1/chat/completions", det(A));
    await settle();
    const res = await edge.post("/v1/chat/completions", det(A), {
      headers: { "cache-control": "no-cache" },
    });
    expect(res.headers.get("x-switchyard-cache")).toBe("BYPASS");
    expect(a.received).toHaveLength(2);
  });

  it("a no-cache reply refreshes the entry (a later request hits it); no-store writes nothing", async () => {
    const stored = await edge.post("/v1/chat/completions", det(A), {
      headers: { "cache-control": "no-store" },
    });
    expect(stored.headers.get("x-switchyard-cache")).toBe("BYPASS");
    await stored.text();
    await settle();
    const miss = await edge.post("/v1/chat/completions", det(A, { top_p: 0.3 }), {
      headers: { "cache-control": "no-cache" },
    });
    expect(miss.headers.get("x-switchyard-cache")).toBe("BYPASS");
    await miss.text();
    await settle();
    expect(
      (await edge.post("/v1/chat/completions", det(A, { top_p: 0.3 }))).headers.get("x-switchyard-cache"),
    ).toBe("HIT");
    expect((await edge.post("/v1/chat/completions", det(A))).headers.get("x-switchyard-cache")).toBe("MISS");
    expect(a.received).toHaveLength(3);
  });

  it("different sampling parameters or prompts are different entries", async () => {
    await edge.post("/v1/chat/completions", det(A));
    await settle();
    expect(
      (await edge.post("/v1/chat/completions", det(A, { top_p: 0.5 }))).headers.get("x-switchyard-cache"),
    ).toBe("MISS");
    expect(
      (
        await edge.post("/v1/chat/completions", det(A, { messages: [{ role: "user", content: "Other" }] }))
      ).headers.get("x-switchyard-cache"),
    ).toBe("MISS");
    expect(
      (
        await edge.post("/generate", { prompt: "Tell me a story", model: A, max_tokens: 16, temperature: 0 })
      ).headers.get("x-switchyard-cache"),
    ).toBe("MISS");
    expect(a.received).toHaveLength(4);
  });

  for (const how of ["cut", "no-finish", "close", "malformed"] as const) {
    it(`never caches a failed stream (${how})`, async () => {
      a.behave([{ kind: "fail-mid-stream", after: 2, how }, { kind: "ok" }]);
      const failed = await readSse(await edge.post("/v1/chat/completions", det(A, { stream: true })));
      expect(failed.done).toBe(false);
      await settle();
      const next = await edge.post("/v1/chat/completions", det(A));
      expect(next.headers.get("x-switchyard-cache")).toBe("MISS");
      expect(a.received).toHaveLength(2);
    });
  }

  it("never caches an error status or an aborted stream", async () => {
    a.behave([
      { kind: "status", status: 503 },
      { kind: "ok", tokens: Array.from({ length: 40 }, () => " x"), gapMs: 20 },
      { kind: "ok" },
    ]);
    expect((await edge.post("/v1/chat/completions", det(A))).status).toBe(503);
    const res = await edge.post("/v1/chat/completions", det(A, { stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await settle();
    const next = await edge.post("/v1/chat/completions", det(A));
    expect(next.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(a.received).toHaveLength(3);
  });
});

describe("cache semantics", () => {
  const OTHER_KEY = "sk-other-tenant";
  const make = (env: Record<string, string> = {}) =>
    createTestEdge({
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url }),
      SWITCHYARD_API_KEYS: `${TEST_KEY},${OTHER_KEY}`,
      SWITCHYARD_PROMPT_HASH_KEY: "cache-test-secret",
      ...env,
    });
  const cacheOf = (res: Response) => res.headers.get("x-switchyard-cache");

  it("by default caches only deterministic requests (temperature 0 or a seed)", async () => {
    const e = make();
    for (const body of [chatBody(A), chatBody(A, { temperature: 1 })]) {
      expect(cacheOf(await e.post("/v1/chat/completions", body))).toBe("BYPASS");
      await settle();
      expect(cacheOf(await e.post("/v1/chat/completions", body))).toBe("BYPASS");
    }
    const seeded = chatBody(A, { temperature: 1, seed: 7 });
    expect(cacheOf(await e.post("/v1/chat/completions", seeded))).toBe("MISS");
    await settle();
    expect(cacheOf(await e.post("/v1/chat/completions", seeded))).toBe("HIT");
    expect(a.received).toHaveLength(5);
  });

  it("SWITCHYARD_CACHE_MODE=all caches sampled requests too; off caches nothing", async () => {
    const all = make({ SWITCHYARD_CACHE_MODE: "all" });
    await all.post("/v1/chat/completions", chatBody(A, { temperature: 1 }));
    await settle();
    expect(cacheOf(await all.post("/v1/chat/completions", chatBody(A, { temperature: 1 })))).toBe("HIT");
    const off = make({ SWITCHYARD_CACHE_MODE: "off" });
    await off.post("/v1/chat/completions", det(A));
    await settle();
    expect(cacheOf(await off.post("/v1/chat/completions", det(A)))).toBe("BYPASS");
    expect(() => make({ SWITCHYARD_CACHE_MODE: "sometimes" })).toThrow(/SWITCHYARD_CACHE_MODE/);
  });

  it("entries are scoped to the tenant unless SWITCHYARD_CACHE_SHARED=true", async () => {
    const e = make();
    await e.post("/v1/chat/completions", det(A));
    await settle();
    const other = await e.post("/v1/chat/completions", det(A), {
      headers: { authorization: `Bearer ${OTHER_KEY}` },
    });
    expect(cacheOf(other)).toBe("MISS");
    expect(a.received).toHaveLength(2);
    const shared = make({ SWITCHYARD_CACHE_SHARED: "true" });
    await shared.post("/v1/chat/completions", det(A));
    await settle();
    const hit = await shared.post("/v1/chat/completions", det(A), {
      headers: { authorization: `Bearer ${OTHER_KEY}` },
    });
    expect(cacheOf(hit)).toBe("HIT");
  });

  it("keys are HMACs: they depend on the secret, not only on the request", async () => {
    const { cacheKeyFor } = await import("./key");
    const material = '[2,"chat.completions","x"]';
    const policy = { mode: "deterministic" as const, shared: false };
    const one = await cacheKeyFor({ ...policy, secret: "one" }, "key:a", material);
    expect(one).toMatch(/^cache:v3:[0-9a-f]{64}$/);
    expect(await cacheKeyFor({ ...policy, secret: "two" }, "key:a", material)).not.toBe(one);
    expect(await cacheKeyFor({ ...policy, secret: "one" }, "key:b", material)).not.toBe(one);
    const bare = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material))),
    )
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(one).not.toContain(bare);
  });

  it("requests differing in any output-changing field never share an entry", async () => {
    const e = make();
    const base = det(A);
    await e.post("/v1/chat/completions", base);
    await settle();
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    const variants = [
      { tools },
      { response_format: { type: "json_object" } },
      { presence_penalty: 0.5 },
      { frequency_penalty: 0.5 },
      { seed: 3 },
      { stop: ["x"] },
      { max_tokens: 8 },
      { top_k: 5 },
      { models: [A] },
    ];
    for (const extra of variants) {
      const res = await e.post("/v1/chat/completions", { ...base, ...extra });
      expect([res.status, cacheOf(res), Object.keys(extra)[0]]).toEqual([200, "MISS", Object.keys(extra)[0]]);
    }
  });
});
