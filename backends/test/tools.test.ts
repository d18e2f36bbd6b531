/**
 * Tools, structured output and the sampling fields on the real chat model (SmolLM2-135M-Instruct,
 * ChatML template). A tiny model makes poor choices: these tests assert the wire format and that
 * grammar-enforced output parses and matches its schema, not that the model is clever.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, readJson, readSse, smolPresent, startTestServer, type TestServer } from "./helpers.js";

const WEATHER = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather for a city",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", maxLength: 16 },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};
const TIME = {
  type: "function",
  function: {
    name: "get_time",
    parameters: { type: "object", properties: { timezone: { type: "string" } } },
  },
};
const ASK = [{ role: "user", content: "What is the weather in Paris?" }];

interface StreamedCall {
  id: string;
  name: string;
  arguments: string;
}

/** Folds chat.completion.chunk events into text, tool calls and the finish reason, as clients do. */
function foldChunks(data: string[]) {
  let text = "";
  let finish: string | null = null;
  const calls: StreamedCall[] = [];
  for (const raw of data) {
    const chunk = JSON.parse(raw);
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta.content ?? "";
    for (const d of choice.delta.tool_calls ?? []) {
      calls[d.index] ??= { id: "", name: "", arguments: "" };
      const call = calls[d.index] as StreamedCall;
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      call.arguments += d.function?.arguments ?? "";
    }
    finish = choice.finish_reason ?? finish;
  }
  return { text, calls, finish };
}

// Generous: the shared CI machine may run a 135M model at a few tokens per second.
describe.skipIf(!smolPresent)(
  "tools and structured output on SmolLM2 (chat template)",
  { timeout: 300_000 },
  () => {
    let t: TestServer;
    const chat = (body: Record<string, unknown>) =>
      postJson(`${t.url}/v1/chat/completions`, { messages: ASK, temperature: 0, max_tokens: 48, ...body });
    beforeAll(async () => {
      t = await startTestServer({
        model: "smollm2-135m-instruct",
        contextSize: 2048,
        threads: 2,
        parallel: 1,
        timeoutMs: 280_000,
      });
    });
    afterAll(() => t?.close());

    it("a named tool_choice always yields that call, with arguments that match its schema", async () => {
      const res = await chat({
        tools: [WEATHER, TIME],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      });
      expect(res.status).toBe(200);
      const body = await readJson(res);
      const choice = body.choices[0];
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls[0];
      expect(call).toMatchObject({
        id: expect.stringMatching(/^call_/),
        type: "function",
        function: { name: "get_weather" },
      });
      const args = JSON.parse(call.function.arguments);
      expect(Object.keys(args).sort()).toEqual(["city", "unit"]);
      expect(typeof args.city).toBe("string");
      expect(["celsius", "fahrenheit"]).toContain(args.unit);
    });

    it("tool_choice required streams one call: id and name first, then argument pieces, finish tool_calls", async () => {
      const res = await chat({ tools: [WEATHER, TIME], tool_choice: "required", stream: true });
      expect(res.status).toBe(200);
      const messages = await readSse(res);
      expect(messages.at(-1)?.data).toBe("[DONE]");
      const data = messages.map((m) => m.data).filter((d) => d !== "[DONE]");
      const pieces = data.flatMap((d) => JSON.parse(d).choices[0]?.delta.tool_calls ?? []);
      expect(pieces[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: "function" });
      expect(pieces.slice(1).every((p: { id?: string }) => p.id === undefined)).toBe(true);
      expect(pieces.length).toBeGreaterThan(2);
      const { calls, finish } = foldChunks(data);
      expect(finish).toBe("tool_calls");
      expect(calls).toHaveLength(1);
      expect(["get_weather", "get_time"]).toContain(calls[0]?.name);
      expect(typeof JSON.parse(calls[0]?.arguments ?? "")).toBe("object");
    });

    it("a function without parameters is called with {}", async () => {
      const res = await chat({
        tools: [{ type: "function", function: { name: "ping" } }],
        tool_choice: "required",
      });
      const call = (await readJson(res)).choices[0].message.tool_calls[0];
      expect(call.function).toEqual({ name: "ping", arguments: "{}" });
    });

    it("tool_choice auto answers in text or calls, in OpenAI's wire format either way", async () => {
      const res = await chat({ tools: [WEATHER], tool_choice: "auto", max_tokens: 24 });
      expect(res.status).toBe(200);
      const choice = (await readJson(res)).choices[0];
      if (choice.finish_reason === "tool_calls") {
        expect(choice.message.tool_calls[0].function.name).toBe("get_weather");
        JSON.parse(choice.message.tool_calls[0].function.arguments);
      } else {
        expect(["stop", "length"]).toContain(choice.finish_reason);
        expect(typeof choice.message.content).toBe("string");
        expect(choice.message.tool_calls).toBeUndefined();
      }
    });

    it("a conversation with a tool call and its result gets an answer", async () => {
      const res = await chat({
        tools: [WEATHER],
        max_tokens: 24,
        messages: [
          ...ASK,
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "Sunny, 21 degrees" },
        ],
      });
      expect(res.status).toBe(200);
      const choice = (await readJson(res)).choices[0];
      expect(["stop", "length", "tool_calls"]).toContain(choice.finish_reason);
    });

    it("tool messages must answer a call, and calls need their result", async () => {
      const orphan = await chat({ messages: [...ASK, { role: "tool", tool_call_id: "nope", content: "x" }] });
      expect(orphan.status).toBe(400);
      expect((await readJson(orphan)).error.param).toBe("messages[1].tool_call_id");
      const unanswered = await chat({
        tools: [WEATHER],
        messages: [
          ...ASK,
          {
            role: "assistant",
            tool_calls: [{ id: "c", type: "function", function: { name: "get_weather", arguments: "{}" } }],
          },
        ],
      });
      expect(unanswered.status).toBe(400);
      expect((await readJson(unanswered)).error.param).toBe("messages[1].tool_calls[0].id");
      const unknown = await chat({
        tools: [WEATHER],
        tool_choice: { type: "function", function: { name: "nope" } },
      });
      expect((await readJson(unknown)).error).toMatchObject({
        code: "invalid_request",
        param: "tool_choice",
      });
    });

    it("response_format json_schema (strict) output parses and matches the schema", async () => {
      const schema = {
        type: "object",
        properties: {
          name: { type: "string", maxLength: 12 },
          age: { type: "integer" },
          tags: { type: "array", items: { type: "string", enum: ["kind", "tall", "young"] }, maxItems: 2 },
          nickname: { anyOf: [{ type: "string", maxLength: 8 }, { type: "null" }] },
        },
        required: ["name", "age", "tags", "nickname"],
        additionalProperties: false,
      };
      for (const stream of [false, true]) {
        const res = await chat({
          messages: [{ role: "user", content: "Describe a person as JSON." }],
          max_tokens: 200,
          stream,
          response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema } },
        });
        expect(res.status).toBe(200);
        const text = stream
          ? foldChunks((await readSse(res)).map((m) => m.data).filter((d) => d !== "[DONE]")).text
          : (await readJson(res)).choices[0].message.content;
        const value = JSON.parse(text);
        expect(Object.keys(value).sort()).toEqual(["age", "name", "nickname", "tags"]);
        expect(Number.isInteger(value.age)).toBe(true);
        expect(Array.isArray(value.tags) && value.tags.length <= 2).toBe(true);
        expect(value.nickname === null || typeof value.nickname === "string").toBe(true);
      }
    });

    it("response_format json_object output is a JSON object", async () => {
      const res = await chat({
        messages: [{ role: "user", content: "A city as JSON." }],
        max_tokens: 64,
        response_format: { type: "json_object" },
      });
      const choice = (await readJson(res)).choices[0];
      const content = choice.message.content as string;
      expect(content.trimStart().startsWith("{")).toBe(true);
      // Cut short by max_tokens it cannot be complete; otherwise the grammar guarantees an object.
      if (choice.finish_reason === "stop") {
        const value = JSON.parse(content);
        expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
      } else expect(choice.finish_reason).toBe("length");
    });

    it("json output next to callable tools is refused, naming response_format", async () => {
      const res = await chat({ tools: [WEATHER], response_format: { type: "json_object" } });
      expect(res.status).toBe(400);
      expect((await readJson(res)).error).toMatchObject({
        code: "unsupported_parameter",
        param: "response_format",
      });
    });

    it("logit_bias -100 bans a token: the greedy reply no longer starts with it", async () => {
      const ask = { messages: [{ role: "user", content: "What is the capital of France?" }], max_tokens: 3 };
      const plain = (await readJson(await chat(ask))).choices[0].message.content as string;
      const model = t.server.runtime.loaded?.model;
      const first = model?.tokenize(plain, false)[0];
      expect(first).toBeDefined();
      const banned = (await readJson(await chat({ ...ask, logit_bias: { [String(first)]: -100 } })))
        .choices[0].message.content as string;
      expect(model?.tokenize(banned, false)[0]).not.toBe(first);
    });

    it("frequency_penalty, top_k and min_p reach the sampler", async () => {
      const ask = { messages: [{ role: "user", content: "Say cat cat cat cat cat cat." }], max_tokens: 10 };
      const plain = (await readJson(await chat(ask))).choices[0].message.content;
      const penalised = (await readJson(await chat({ ...ask, frequency_penalty: 2, presence_penalty: 2 })))
        .choices[0].message.content;
      expect(penalised).not.toBe(plain);
      // top_k 1, or min_p 1 (only tokens as likely as the best), is greedy whatever the temperature.
      for (const extra of [{ top_k: 1 }, { min_p: 1 }]) {
        const reply = (await readJson(await chat({ ...ask, temperature: 1.8, seed: 7, ...extra }))).choices[0]
          .message.content;
        expect(reply).toBe(plain);
      }
    });
  },
);
