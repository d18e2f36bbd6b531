/**
 * End to end: the official `openai` client -> the edge app (in process) -> a real backend
 * (node-llama-cpp serving SmolLM2-135M-Instruct with --embeddings) for the endpoints beyond chat:
 * /v1/models/{id}, /v1/completions, /v1/responses (JSON and events) and /v1/embeddings, with the
 * model described at run time by SWITCHYARD_MODELS under an id the catalogue does not know.
 * With CI=true a missing model or backend fails the suite.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEdge, TEST_KEY } from "../support/harness";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models"),
  "SmolLM2-135M-Instruct.Q4_1.gguf",
);
const MODEL = "smol-local";
const BACKEND_KEY = "backend-e2e-endpoints";

let backend: Spawned | undefined;
let client: OpenAI;
let ready = false;

beforeAll(async () => {
  if (!existsSync(MODEL_FILE)) {
    if (isCI()) throw new Error(`e2e: model file ${MODEL_FILE} is missing (required when CI=true)`);
    console.warn(`\n!!! SKIPPING edge endpoint e2e tests: ${MODEL_FILE} is missing\n`);
    return;
  }
  const port = await freePort();
  backend = spawnLogged(
    "npm",
    [
      "run",
      "-s",
      "backend",
      "--",
      "--model",
      MODEL_FILE,
      "--id",
      MODEL,
      "--port",
      String(port),
      "--threads",
      "1",
      "--parallel",
      "1",
      "--context-size",
      "1024",
      "--embeddings",
      "--api-key",
      BACKEND_KEY,
      "--skip-checksum",
    ],
    { cwd: ROOT },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/ready`, backend, 90_000, { authorization: `Bearer ${BACKEND_KEY}` });
  const edge = createTestEdge({
    SWITCHYARD_MODELS: JSON.stringify({
      [MODEL]: {
        backends: url,
        contextLength: 1024,
        capabilities: ["chat", "tools", "json_schema", "embeddings"],
      },
    }),
    SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
    SWITCHYARD_TTFT_BUDGET_MS: "30000",
    SWITCHYARD_RATE_LIMIT_CAPACITY: "1000",
  });
  client = new OpenAI({
    apiKey: TEST_KEY,
    baseURL: "http://edge.test/v1",
    maxRetries: 0,
    timeout: 60_000,
    fetch: async (u, init) => edge.app.request(String(u), init as RequestInit),
  });
  ready = true;
}, 120_000);

afterAll(async () => {
  await backend?.stop();
});

describe("OpenAI endpoints beyond chat, against a real backend", () => {
  it("models.retrieve knows the run-time model and its capabilities", async (ctx) => {
    if (!ready) return ctx.skip();
    const model = await client.models.retrieve(MODEL);
    expect(model).toMatchObject({ id: MODEL, object: "model", context_length: 1024, replicas: 1 });
    await expect(client.models.retrieve("gpt-9")).rejects.toMatchObject({ status: 404 });
  });

  it("legacy completions continue a raw prompt, JSON and streamed", async (ctx) => {
    if (!ready) return ctx.skip();
    const plain = await client.completions.create({
      model: MODEL,
      prompt: "The capital of France is",
      max_tokens: 8,
      temperature: 0,
    });
    expect(plain.object).toBe("text_completion");
    expect(plain.choices[0]?.text.length).toBeGreaterThan(0);
    expect(plain.choices[0]?.finish_reason).toMatch(/stop|length/);
    expect(plain.model).toBe(MODEL);
    let streamed = "";
    for await (const chunk of await client.completions.create({
      model: MODEL,
      prompt: "The capital of France is",
      max_tokens: 8,
      temperature: 0,
      stream: true,
    }))
      streamed += chunk.choices[0]?.text ?? "";
    expect(streamed).toBe(plain.choices[0]?.text); // greedy: the same text (and a cache hit)
  });

  it("the Responses API answers text, and streams its events to response.completed", async (ctx) => {
    if (!ready) return ctx.skip();
    const response = await client.responses.create({
      model: MODEL,
      instructions: "Answer in one short sentence.",
      input: "What is the capital of France?",
      max_output_tokens: 24,
      temperature: 0,
    });
    expect(response.status).toMatch(/completed|incomplete/);
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    const types: string[] = [];
    let text = "";
    for await (const event of await client.responses.create({
      model: MODEL,
      input: "Say hello.",
      max_output_tokens: 16,
      stream: true,
    })) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toMatch(/^response\.(completed|incomplete)$/);
    expect(text.length).toBeGreaterThan(0);
  });

  it("the Responses API calls functions (forced tool choice), streamed and not, and takes their output back", async (ctx) => {
    if (!ready) return ctx.skip();
    const tools = [
      {
        type: "function" as const,
        name: "get_weather",
        description: "Current weather for a city",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
        strict: true,
      },
    ];
    const asked = await client.responses.create({
      model: MODEL,
      input: "What is the weather in Paris?",
      tools,
      tool_choice: { type: "function", name: "get_weather" },
      max_output_tokens: 48,
      temperature: 0,
    });
    const call = asked.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call")
      throw new Error(`no function_call in ${JSON.stringify(asked.output)}`);
    expect(call.name).toBe("get_weather");
    expect(typeof JSON.parse(call.arguments).city).toBe("string");
    const types: string[] = [];
    let argumentsText = "";
    for await (const event of await client.responses.create({
      model: MODEL,
      input: "What is the weather in Rome?",
      tools,
      tool_choice: "required",
      max_output_tokens: 48,
      stream: true,
    })) {
      types.push(event.type);
      if (event.type === "response.function_call_arguments.done") argumentsText = event.arguments;
    }
    expect(types).toContain("response.function_call_arguments.done");
    expect(types.at(-1)).toBe("response.completed");
    expect(typeof JSON.parse(argumentsText)).toBe("object");
    const answer = await client.responses.create({
      model: MODEL,
      input: [
        { role: "user", content: "What is the weather in Paris?" },
        { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: '{"sky":"sunny","celsius":21}' },
      ],
      tools,
      max_output_tokens: 32,
      temperature: 0,
    });
    expect(answer.status).toMatch(/completed|incomplete/);
    expect(answer.output.length).toBeGreaterThan(0);
  });

  it("embeddings: one vector per input through the edge (the client's base64 default decoded)", async (ctx) => {
    if (!ready) return ctx.skip();
    const res = await client.embeddings.create({
      model: MODEL,
      input: ["The cat sat on the mat.", "Tax deadlines"],
    });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]?.embedding.length).toBeGreaterThan(100);
    expect(res.model).toBe(MODEL);
    await expect(client.embeddings.create({ model: "auto", input: "x" })).rejects.toMatchObject({
      status: 400,
      param: "model",
    });
  });

  it("a named model whose backend is gone is a 503 naming it", async (ctx) => {
    if (!ready) return ctx.skip();
    await backend?.stop();
    await expect(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 4,
      }),
    ).rejects.toMatchObject({ status: 503, code: "model_unavailable", param: "model" });
    await expect(client.embeddings.create({ model: MODEL, input: "x" })).rejects.toMatchObject({
      status: 503,
      code: "model_unavailable",
    });
  });
});
