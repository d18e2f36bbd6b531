import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TOKENS, type FakeBackend, startFakeBackend } from "../../test/support/fake-backend";
import { createTestEdge, TEST_KEY } from "../../test/support/harness";

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
  edge = createTestEdge({
    SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url }),
    SWITCHYARD_RETRIES: "0",
    SWITCHYARD_IDLE_TIMEOUT_MS: "300",
  });
  client = new OpenAI({
    apiKey: TEST_KEY,
    baseURL: "http://edge.test/v1",
    maxRetries: 0,
    fetch: async (url, init) => edge.app.request(String(url), init as RequestInit),
  });
});

const collect = async (stream: AsyncIterable<ResponseStreamEvent>) => {
  const events: ResponseStreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
};

describe("POST /v1/responses", () => {
  it("answers text input with a Response object (output_text, usage, the answering model)", async () => {
    const { data, response } = await client.responses
      .create({ model: A, input: "Tell me a story", instructions: "Be brief", max_output_tokens: 16 })
      .withResponse();
    expect(data).toMatchObject({
      object: "response",
      status: "completed",
      model: A,
      instructions: "Be brief",
      max_output_tokens: 16,
      error: null,
    });
    expect(data.id).toMatch(/^resp_/);
    expect(data.output_text).toBe(TEXT);
    expect(data.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(data.usage).toMatchObject({
      output_tokens: DEFAULT_TOKENS.length,
      total_tokens: expect.any(Number),
    });
    expect(response.headers.get("x-switchyard-model")).toBe(A);
    expect(a.received[0]?.body).toMatchObject({
      messages: [
        { role: "system", content: "Be brief" },
        { role: "user", content: "Tell me a story" },
      ],
      max_tokens: 16,
    });
  });

  it("takes message lists with text parts, and text.format as response_format", async () => {
    await client.responses.create({
      model: A,
      input: [
        { role: "user", content: [{ type: "input_text", text: "Hi" }] },
        { type: "message", role: "assistant", content: "Hello" },
        { role: "developer", content: "Answer in JSON" },
      ],
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true } },
    });
    expect(a.received[0]?.body).toMatchObject({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "system", content: "Answer in JSON" },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object" }, strict: true },
      },
    });
  });

  it("maps function tools, tool_choice and function-call history to the chat request", async () => {
    await client.responses.create({
      model: A,
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call", call_id: "call_2", name: "get_time", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        { type: "function_call_output", call_id: "call_2", output: "noon" },
      ],
      tools: [
        {
          type: "function",
          name: "get_weather",
          parameters: { type: "object" },
          strict: true,
          description: "Weather",
        },
        { type: "function", name: "get_time", parameters: null, strict: false },
      ],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: false,
    });
    expect(a.received[0]?.body).toMatchObject({
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
            { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "tool", tool_call_id: "call_2", content: "noon" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather",
            parameters: { type: "object" },
            strict: true,
          },
        },
        { type: "function", function: { name: "get_time", strict: false } },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    });
  });

  it("streams the real event types in order, ending in response.completed", async () => {
    const events = await collect(
      await client.responses.create({ model: A, input: "Tell me a story", stream: true }),
    );
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...DEFAULT_TOKENS.map(() => "response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e) => e.type === "response.output_text.delta");
    expect(deltas.map((e) => e.delta).join("")).toBe(TEXT);
    const done = events.at(-1);
    if (done?.type !== "response.completed") throw new Error("no response.completed");
    expect(done.response.output_text).toBe(TEXT);
    expect(done.response.usage?.output_tokens).toBe(DEFAULT_TOKENS.length);
    expect(done.response.model).toBe(A);
  });

  it("works with the SDK's stream helper (finalResponse)", async () => {
    const stream = client.responses.stream({ model: A, input: "Tell me a story" });
    let text = "";
    stream.on("response.output_text.delta", (e) => {
      text += e.delta;
    });
    const final = await stream.finalResponse();
    expect(text).toBe(TEXT);
    expect(final.output_text).toBe(TEXT);
  });

  it("a failure after the stream started is an error event and response.failed, never response.completed", async () => {
    a.behave({ kind: "fail-mid-stream", after: 2, how: "cut" });
    const res = await edge.post("/v1/responses", { model: A, input: "Tell me a story", stream: true });
    const text = await res.text();
    expect(text).toContain("event: error");
    expect(text).toContain("event: response.failed");
    expect(text).not.toContain("response.completed");
    expect(text).not.toContain("[DONE]");
  });

  it("a streamed cache hit stays a stream of Responses events", async () => {
    const body = { model: A, input: "Tell me a story", temperature: 0 };
    const first = await edge.post("/v1/responses", body);
    expect(first.headers.get("x-switchyard-cache")).toBe("MISS");
    await settle();
    const events = await collect(await client.responses.create({ ...body, stream: true }));
    expect(events.at(-1)?.type).toBe("response.completed");
    expect(a.received).toHaveLength(1);
  });

  it("refuses what it cannot honour with a 400 naming the param", async () => {
    for (const [extra, param] of [
      [{ tools: [{ type: "web_search" }] }, "tools"],
      [{ tool_choice: { type: "web_search" } }, "tool_choice"],
      [{ previous_response_id: "resp_1" }, "previous_response_id"],
      [{ reasoning: { effort: "low" } }, "reasoning"],
      [{ input: [{ role: "user", content: [{ type: "input_image", image_url: "x" }] }] }, "input"],
      [{ input: [{ type: "reasoning", summary: [] }] }, "input"],
      [{ background: true }, "background"],
      [{ seed: 1 }, "seed"],
    ] as const) {
      const res = await edge.post("/v1/responses", { model: A, input: "x", ...extra });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    expect(a.received).toHaveLength(0);
  });
});
