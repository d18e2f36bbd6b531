import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  modelsPresent,
  postJson,
  readJson,
  readSse,
  startTestServer,
  type TestServer,
  TINY_RANDOM,
} from "./helpers.js";

const STORY = /Lily|girl|park|play|little|day/;

describe.skipIf(!modelsPresent)("endpoints on stories260K (raw prompt format)", () => {
  let t: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    t = await startTestServer();
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(() => t?.close());

  it("serves /health, /ready and /v1/models", async () => {
    expect(await (await fetch(`${t.url}/health`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${t.url}/ready`);
    expect(ready.status).toBe(200);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["stories260k"]);
  });

  it("chat completion without streaming (openai client)", async () => {
    const completion = await client.chat.completions.create({
      model: "stories260k",
      messages: [{ role: "user", content: "Once upon a time" }],
      max_tokens: 24,
      temperature: 0,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toMatch(STORY);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(24);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(1);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 24);
  });

  it("chat completion streaming with include_usage (openai client)", async () => {
    const stream = await client.chat.completions.create({
      model: "stories260k",
      messages: [{ role: "user", content: "Once upon a time" }],
      max_tokens: 16,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(STORY);
    expect(finish).toBe("length");
    expect(usage?.completion_tokens).toBe(16);
  });

  it("greedy output is the same streamed and not streamed", async () => {
    const body = {
      model: "stories260k",
      messages: [{ role: "user" as const, content: "Once upon a time" }],
      max_tokens: 20,
      temperature: 0,
    };
    const plain = await client.chat.completions.create(body);
    let streamed = "";
    for await (const chunk of await client.chat.completions.create({ ...body, stream: true }))
      streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe(plain.choices[0]?.message.content);
  });

  it("legacy completions with and without streaming (openai client)", async () => {
    const completion = await client.completions.create({
      model: "stories260k",
      prompt: "Once upon a time",
      max_tokens: 12,
      temperature: 0,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text).toMatch(STORY);
    expect(completion.usage?.completion_tokens).toBe(12);
    let text = "";
    for await (const chunk of await client.completions.create({
      prompt: "Once upon a time",
      max_tokens: 12,
      temperature: 0,
      stream: true,
      model: "stories260k",
    })) {
      text += chunk.choices[0]?.text ?? "";
    }
    expect(text).toBe(completion.choices[0]?.text);
  });

  it("raw SSE framing: data chunks then [DONE]; usage chunk only when asked", async () => {
    const messages = await readSse(
      await postJson(`${t.url}/v1/completions`, { prompt: "Once upon a time", max_tokens: 5, stream: true }),
    );
    expect(messages.at(-1)?.data).toBe("[DONE]");
    const chunks = messages.slice(0, -1).map((m) => JSON.parse(m.data));
    expect(chunks.every((c) => !("usage" in c))).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("length");
  });

  it("POST /generate without streaming returns text, usage and timings", async () => {
    const response = await postJson(`${t.url}/generate`, {
      prompt: "Once upon a time",
      max_tokens: 20,
      temperature: 0,
    });
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body.text).toMatch(STORY);
    expect(body.finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBe(20);
    expect(body.timings.ttft_ms).toBeGreaterThan(0);
    expect(body.timings.tokens_per_second).toBeGreaterThan(0);
  });

  it("POST /generate streams token events and a final done event", async () => {
    const response = await postJson(`${t.url}/generate`, {
      prompt: "Once upon a time",
      max_tokens: 10,
      temperature: 0,
      stream: true,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const messages = await readSse(response);
    const tokens = messages.filter((m) => m.event === "token");
    const done = messages.at(-1);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.map((m) => JSON.parse(m.data).text).join("")).toMatch(STORY);
    expect(done?.event).toBe("done");
    const summary = JSON.parse(done?.data ?? "{}");
    expect(summary).toMatchObject({ finish_reason: "length", usage: { completion_tokens: 10 } });
    expect(summary.timings.ttft_ms).toBeGreaterThan(0);
    expect(summary.timings.tokens_per_second).toBeGreaterThan(0);
  });

  it("honours stop sequences and seeds", async () => {
    const stopped = await client.completions.create({
      model: "stories260k",
      prompt: "Once upon a time",
      max_tokens: 60,
      temperature: 0,
      stop: ["Lily"],
    });
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(stopped.choices[0]?.text).not.toContain("Lily");
    expect(stopped.choices[0]?.text).toContain("girl named");
    const sample = (seed: number) =>
      client.completions
        .create({
          prompt: "Once upon a time",
          max_tokens: 24,
          temperature: 1.2,
          top_p: 0.95,
          seed,
          model: "stories260k",
        })
        .then((r) => r.choices[0]?.text);
    const [a, b] = [await sample(7), await sample(7)];
    expect(a).toBe(b);
    const others = await Promise.all([11, 12, 13].map(sample));
    expect(others.some((text) => text !== a)).toBe(true);
  });

  it("flattens a multi-message chat into a plain prompt for a raw model", async () => {
    const completion = await client.chat.completions.create({
      messages: [
        { role: "system", content: "You tell stories." },
        { role: "user", content: [{ type: "text", text: "Tell me about Lily." }] },
      ],
      max_tokens: 10,
      temperature: 0,
      model: "stories260k",
    });
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(10);
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!modelsPresent)("endpoints on llama-2-tiny-random served under a production id", () => {
  let t: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    t = await startTestServer({ model: TINY_RANDOM, id: "codegemma-7b", contextSize: 256 });
    client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(() => t?.close());

  it("announces the production id and answers chat, completions and generate", async () => {
    expect((await client.models.list()).data[0]?.id).toBe("codegemma-7b");
    const chat = await client.chat.completions.create({
      model: "codegemma-7b",
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(chat.model).toBe("codegemma-7b");
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    let streamed = 0;
    for await (const chunk of await client.completions.create({
      model: "codegemma-7b",
      prompt: "hello",
      max_tokens: 8,
      stream: true,
    }))
      streamed += chunk.choices[0]?.text.length ?? 0;
    expect(streamed).toBeGreaterThan(0);
    const generated = await readJson(
      await postJson(`${t.url}/generate`, { prompt: "hello", max_tokens: 8, stream: false }),
    );
    expect(generated.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("rejects another model id with a 404 (openai client sees NotFoundError)", async () => {
    await expect(
      client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
      }),
    ).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });
});
