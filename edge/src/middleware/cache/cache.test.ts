import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TOKENS, type FakeBackend, startFakeBackend } from "../../../test/support/fake-backend";
import { chatBody, chatText, createTestEdge, readSse } from "../../../test/support/harness";

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

describe("response cache", () => {
  it("MISS then HIT for the same request; the backend is called once", async () => {
    const first = await edge.post("/v1/chat/completions", chatBody(A));
    expect(first.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(((await first.json()) as { switchyard: { cache: string } }).switchyard.cache).toBe("MISS");
    await settle();
    const second = await edge.post("/v1/chat/completions", chatBody(A));
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
    await edge.post("/v1/chat/completions", chatBody(A));
    await settle();
    const res = await edge.post(
      "/v1/chat/completions",
      chatBody(A, { stream: true, stream_options: { include_usage: true } }),
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
    await readSse(await edge.post("/v1/chat/completions", chatBody(A, { stream: true })));
    await settle();
    const res = await edge.post("/v1/chat/completions", chatBody(A));
    expect(res.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(a.received).toHaveLength(1);
  });

  it("Cache-Control: no-cache bypasses the lookup", async () => {
    await edge.post("/v1/chat/completions", chatBody(A));
    await settle();
    const res = await edge.post("/v1/chat/completions", chatBody(A), {
      headers: { "cache-control": "no-cache" },
    });
    expect(res.headers.get("x-switchyard-cache")).toBe("BYPASS");
    expect(a.received).toHaveLength(2);
  });

  it("a no-cache reply refreshes the entry (a later request hits it); no-store writes nothing", async () => {
    const stored = await edge.post("/v1/chat/completions", chatBody(A), {
      headers: { "cache-control": "no-store" },
    });
    expect(stored.headers.get("x-switchyard-cache")).toBe("BYPASS");
    await stored.text();
    await settle();
    const miss = await edge.post("/v1/chat/completions", chatBody(A, { temperature: 0.3 }), {
      headers: { "cache-control": "no-cache" },
    });
    expect(miss.headers.get("x-switchyard-cache")).toBe("BYPASS");
    await miss.text();
    await settle();
    expect(
      (await edge.post("/v1/chat/completions", chatBody(A, { temperature: 0.3 }))).headers.get(
        "x-switchyard-cache",
      ),
    ).toBe("HIT");
    expect((await edge.post("/v1/chat/completions", chatBody(A))).headers.get("x-switchyard-cache")).toBe(
      "MISS",
    );
    expect(a.received).toHaveLength(3);
  });

  it("different sampling parameters or prompts are different entries", async () => {
    await edge.post("/v1/chat/completions", chatBody(A));
    await settle();
    expect(
      (await edge.post("/v1/chat/completions", chatBody(A, { temperature: 0.5 }))).headers.get(
        "x-switchyard-cache",
      ),
    ).toBe("MISS");
    expect(
      (
        await edge.post(
          "/v1/chat/completions",
          chatBody(A, { messages: [{ role: "user", content: "Other" }] }),
        )
      ).headers.get("x-switchyard-cache"),
    ).toBe("MISS");
    expect(
      (await edge.post("/generate", { prompt: "Tell me a story", model: A, max_tokens: 16 })).headers.get(
        "x-switchyard-cache",
      ),
    ).toBe("MISS");
    expect(a.received).toHaveLength(4);
  });

  for (const how of ["cut", "no-done", "no-finish", "malformed"] as const) {
    it(`never caches a failed stream (${how})`, async () => {
      a.behave([{ kind: "fail-mid-stream", after: 2, how }, { kind: "ok" }]);
      const failed = await readSse(await edge.post("/v1/chat/completions", chatBody(A, { stream: true })));
      expect(failed.done).toBe(false);
      await settle();
      const next = await edge.post("/v1/chat/completions", chatBody(A));
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
    expect((await edge.post("/v1/chat/completions", chatBody(A))).status).toBe(503);
    const res = await edge.post("/v1/chat/completions", chatBody(A, { stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await settle();
    const next = await edge.post("/v1/chat/completions", chatBody(A));
    expect(next.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(a.received).toHaveLength(3);
  });
});
