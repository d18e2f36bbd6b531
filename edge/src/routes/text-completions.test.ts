import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TOKENS, type FakeBackend, startFakeBackend } from "../../test/support/fake-backend";
import { createTestEdge, readSse, TEST_KEY } from "../../test/support/harness";

const A = "codegemma-7b";
const TEXT = DEFAULT_TOKENS.join("");
let a: FakeBackend;
let edge: ReturnType<typeof createTestEdge>;
let client: OpenAI;
const settle = () => new Promise((r) => setTimeout(r, 30));

beforeAll(async () => {
  a = await startFakeBackend();
});
afterAll(() => a.close());
beforeEach(() => {
  a.reset();
  edge = createTestEdge({ SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url }), SWITCHYARD_RETRIES: "0" });
  client = new OpenAI({
    apiKey: TEST_KEY,
    baseURL: "http://edge.test/v1",
    maxRetries: 0,
    fetch: async (url, init) => edge.app.request(String(url), init as RequestInit),
  });
});

describe("POST /v1/completions (legacy text completions)", () => {
  it("sends the raw prompt to the backend's /v1/completions and answers a text_completion", async () => {
    const res = await client.completions
      .create({ model: A, prompt: "Once", max_tokens: 8, temperature: 0, presence_penalty: 0.5 })
      .withResponse();
    expect(res.data).toMatchObject({ object: "text_completion", model: A });
    expect(res.data.id).toMatch(/^cmpl-/);
    expect(res.data.choices[0]).toMatchObject({
      index: 0,
      text: TEXT,
      finish_reason: "stop",
      logprobs: null,
    });
    expect(res.data.usage?.completion_tokens).toBe(DEFAULT_TOKENS.length);
    expect(res.response.headers.get("x-switchyard-model")).toBe(A);
    expect(a.received[0]?.path).toBe("/v1/completions");
    expect(a.received[0]?.body).toMatchObject({
      model: A,
      prompt: "Once",
      max_tokens: 8,
      presence_penalty: 0.5,
      stream: true,
    });
    expect(a.received[0]?.body.messages).toBeUndefined();
  });

  it("streams text_completion chunks ending in [DONE], usage on request", async () => {
    const stream = await client.completions.create({
      model: A,
      prompt: ["Once"],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("text_completion");
      text += chunk.choices[0]?.text ?? "";
      usage = chunk.usage?.completion_tokens ?? usage;
    }
    expect(text).toBe(TEXT);
    expect(usage).toBe(DEFAULT_TOKENS.length);
  });

  it("is cached like chat (a streamed hit stays a stream) and kept apart from chat entries", async () => {
    const body = { model: A, prompt: "Tell me a story", max_tokens: 8, temperature: 0 };
    expect((await edge.post("/v1/completions", body)).headers.get("x-switchyard-cache")).toBe("MISS");
    await settle();
    const hit = await edge.post("/v1/completions", { ...body, stream: true });
    expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
    const sse = await readSse(hit);
    expect(sse.done).toBe(true);
    expect(
      sse.events.map((e) => (e as { choices: { text?: string }[] }).choices[0]?.text ?? "").join(""),
    ).toBe(TEXT);
    const chat = await edge.post("/v1/chat/completions", {
      model: A,
      messages: [{ role: "user", content: "Tell me a story" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(chat.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(a.received).toHaveLength(2);
  });

  it("refuses what it cannot honour with a 400 naming the param, and needs credentials", async () => {
    for (const [extra, param] of [
      [{ echo: true }, "echo"],
      [{ logprobs: 2 }, "logprobs"],
      [{ suffix: "x" }, "suffix"],
      [{ best_of: 3 }, "best_of"],
      [{ n: 2 }, "n"],
      [{ prompt: ["a", "b"] }, "prompt"],
      [{ top_k: 3 }, "top_k"],
    ] as const) {
      const res = await edge.post("/v1/completions", { model: A, prompt: "x", ...extra });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    const anonymous = await edge.app.request("/v1/completions", { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(a.received).toHaveLength(0);
  });

  it("a named model that is down is a 503 naming it, as for chat", async () => {
    a.behave({ kind: "status", status: 503 });
    const res = await edge.post("/v1/completions", { model: A, prompt: "x" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("model_unavailable");
  });
});
