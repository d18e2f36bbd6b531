import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  metricValue,
  modelsPresent,
  postJson,
  readJson,
  startTestServer,
  type TestServer,
} from "./helpers.js";

const chat = (extra: object) => ({
  messages: [{ role: "user", content: "Once upon a time" }],
  max_tokens: 4,
  ...extra,
});

/** [name, path, body (object or raw string), expected status, expected code, expected param] */
const BAD_INPUTS: [string, string, unknown, number, string, string | null][] = [
  ["malformed JSON", "/v1/chat/completions", '{"messages": [', 400, "invalid_json", null],
  ["JSON that is not an object", "/generate", "[1,2]", 400, "invalid_request", null],
  ["empty body", "/v1/completions", "", 400, "invalid_json", null],
  [
    "unknown top-level field",
    "/v1/chat/completions",
    chat({ temprature: 0.5 }),
    400,
    "invalid_request",
    "temprature",
  ],
  [
    "unknown field on /generate",
    "/generate",
    { prompt: "hi", max_token: 3 },
    400,
    "invalid_request",
    "max_token",
  ],
  [
    "messages of the wrong type",
    "/v1/chat/completions",
    { messages: "hi", max_tokens: 4 },
    400,
    "invalid_request",
    "messages",
  ],
  [
    "empty messages",
    "/v1/chat/completions",
    { messages: [], max_tokens: 4 },
    400,
    "invalid_request",
    "messages",
  ],
  [
    "messages without text",
    "/v1/chat/completions",
    { messages: [{ role: "user", content: "  " }] },
    400,
    "invalid_request",
    "messages",
  ],
  [
    "unknown role",
    "/v1/chat/completions",
    { messages: [{ role: "wizard", content: "hi" }] },
    400,
    "invalid_request",
    "messages[0].role",
  ],
  [
    "image content part",
    "/v1/chat/completions",
    { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] },
    400,
    "invalid_request",
    "messages[0].content",
  ],
  ["empty prompt", "/v1/completions", { prompt: "", max_tokens: 4 }, 400, "invalid_request", "prompt"],
  ["whitespace prompt", "/generate", { prompt: "   ", max_tokens: 4 }, 400, "invalid_request", "prompt"],
  ["missing prompt", "/generate", { max_tokens: 4 }, 400, "invalid_request", "prompt"],
  ["prompt of the wrong type", "/generate", { prompt: 42 }, 400, "invalid_request", "prompt"],
  ["batched prompts", "/v1/completions", { prompt: ["a", "b"] }, 400, "unsupported_parameter", "prompt"],
  [
    "max_tokens = 0",
    "/v1/completions",
    { prompt: "hi", max_tokens: 0 },
    400,
    "invalid_request",
    "max_tokens",
  ],
  ["max_tokens < 0", "/generate", { prompt: "hi", max_tokens: -5 }, 400, "invalid_request", "max_tokens"],
  [
    "max_tokens fractional",
    "/generate",
    { prompt: "hi", max_tokens: 2.5 },
    400,
    "invalid_request",
    "max_tokens",
  ],
  [
    "max_tokens above the cap",
    "/v1/chat/completions",
    chat({ max_tokens: 100_000 }),
    400,
    "invalid_request",
    "max_tokens",
  ],
  [
    "max_tokens as a string",
    "/generate",
    { prompt: "hi", max_tokens: "10" },
    400,
    "invalid_request",
    "max_tokens",
  ],
  [
    "prompt + max_tokens beyond the context",
    "/generate",
    { prompt: "Once upon a time", max_tokens: 510 },
    400,
    "context_length_exceeded",
    "max_tokens",
  ],
  [
    "prompt longer than the context",
    "/v1/completions",
    { prompt: "Once upon a time there was a girl. ".repeat(80) },
    400,
    "context_length_exceeded",
    "prompt",
  ],
  [
    "temperature > 2",
    "/v1/chat/completions",
    chat({ temperature: 3 }),
    400,
    "invalid_request",
    "temperature",
  ],
  [
    "temperature < 0",
    "/generate",
    { prompt: "hi", temperature: -0.1 },
    400,
    "invalid_request",
    "temperature",
  ],
  ["top_p > 1", "/v1/completions", { prompt: "hi", top_p: 1.5 }, 400, "invalid_request", "top_p"],
  ["seed not an integer", "/generate", { prompt: "hi", seed: 1.5 }, 400, "invalid_request", "seed"],
  [
    "too many stop sequences",
    "/v1/completions",
    { prompt: "hi", stop: ["a", "b", "c", "d", "e"] },
    400,
    "invalid_request",
    "stop",
  ],
  ["empty stop sequence", "/generate", { prompt: "hi", stop: "" }, 400, "invalid_request", "stop"],
  ["stream not a boolean", "/generate", { prompt: "hi", stream: "yes" }, 400, "invalid_request", "stream"],
  ["n > 1", "/v1/chat/completions", chat({ n: 2 }), 400, "unsupported_parameter", "n"],
  [
    "tools on a model without a chat template",
    "/v1/chat/completions",
    chat({ tools: [{ type: "function", function: { name: "f" } }] }),
    400,
    "unsupported_parameter",
    "tools",
  ],
  [
    "tool_choice without tools",
    "/v1/chat/completions",
    chat({ tool_choice: "required" }),
    400,
    "invalid_request",
    "tool_choice",
  ],
  ["logprobs", "/v1/chat/completions", chat({ logprobs: true }), 400, "unsupported_parameter", "logprobs"],
  [
    "an unenforceable JSON Schema keyword",
    "/v1/chat/completions",
    chat({
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "n",
          schema: { type: "object", properties: { a: { type: "integer", minimum: 1 } } },
        },
      },
    }),
    400,
    "unsupported_parameter",
    "response_format.json_schema.schema",
  ],
  [
    "logit_bias outside the vocabulary",
    "/v1/chat/completions",
    chat({ logit_bias: { "999999": 5 } }),
    400,
    "invalid_request",
    "logit_bias",
  ],
  [
    "unknown stream_options field",
    "/v1/chat/completions",
    chat({ stream: true, stream_options: { include_usage: true, extra: 1 } }),
    400,
    "invalid_request",
    "extra",
  ],
];

describe.skipIf(!modelsPresent)("bad input gets an OpenAI-style 4xx, never a 500 or a hang", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ maxTokensCap: 1024, bodyLimitBytes: 64 * 1024 });
  });
  afterAll(() => t?.close());

  it.each(BAD_INPUTS)("%s", async (_name, path, body, status, code, param) => {
    const response = await postJson(`${t.url}${path}`, body);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/json");
    const json = await readJson(response);
    expect(json).toEqual({
      error: { message: expect.any(String), type: "invalid_request_error", param, code },
    });
    expect(json.error.message.length).toBeGreaterThan(5);
  });

  it("oversized body: 413 request_too_large", async () => {
    const response = await postJson(`${t.url}/generate`, { prompt: "x".repeat(100 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: "request_too_large", type: "invalid_request_error" },
    });
  });

  it("unknown route and wrong method: 404 JSON", async () => {
    const unknown = await fetch(`${t.url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await fetch(`${t.url}/generate`)).status).toBe(404);
  });

  it("the server still works after all of that, and counted the errors by kind", async () => {
    const ok = await postJson(`${t.url}/generate`, { prompt: "Once upon a time", max_tokens: 4 });
    expect(ok.status).toBe(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(
      metricValue(metrics, "switchyard_backend_errors_total", {
        endpoint: "/generate",
        kind: "invalid_request",
      }),
    ).toBeGreaterThan(5);
    expect(
      metricValue(metrics, "switchyard_backend_errors_total", {
        endpoint: "/v1/completions",
        kind: "context_length_exceeded",
      }),
    ).toBe(1);
    expect(
      metricValue(metrics, "switchyard_backend_errors_total", {
        endpoint: "/generate",
        kind: "request_too_large",
      }),
    ).toBe(1);
  });
});
