/**
 * The OpenAI ecosystem's real clients, unchanged, against the edge in front of a real backend
 * (node-llama-cpp serving SmolLM2-135M-Instruct, a chat model with a ChatML template): the
 * official `openai` SDKs (Node and Python), the Vercel AI SDK through @ai-sdk/openai-compatible,
 * LangChain's ChatOpenAI, LlamaIndex's OpenAILike and LiteLLM. Chat, streaming, tools and
 * structured output. A 135M model makes poor choices, so the assertions are about the wire
 * format and about grammar-enforced output (forced tool calls, JSON schemas), which always parses.
 *
 * The edge app runs in this process on Node (@hono/node-server) with in-memory state; workerd
 * itself is covered by npm-start-workerd.test.ts and wrangler-dev.test.ts. Python clients run
 * from edge/test/clients/python_clients.py with a Python that has edge/test/clients/requirements.txt
 * (infra/local/install.sh installs it; see PYTHON below). With CI=true a
 * missing model, backend or Python package fails the suite.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { type ServerType, serve } from "@hono/node-server";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestEdge, TEST_KEY } from "../support/harness";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_DIR = process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models");
const MODEL = "smollm2-135m-instruct";
const MODEL_FILE = resolve(MODEL_DIR, "SmolLM2-135M-Instruct.Q4_1.gguf");
const BACKEND_KEY = "backend-clients-key";
const CLIENTS_VENV = resolve(ROOT, "edge/test/clients/.venv/bin/python");
/** $SWITCHYARD_TEST_PYTHON, else the virtual environment infra/local/install.sh may create, else python3. */
const PYTHON = process.env.SWITCHYARD_TEST_PYTHON ?? (existsSync(CLIENTS_VENV) ? CLIENTS_VENV : "python3");
const PY_SCRIPT = resolve(ROOT, "edge/test/clients/python_clients.py");
// Generous: on a busy 2-core CI machine the 135M model may manage only a few tokens per second.
const SLOW = 600_000;

let backend: Spawned | undefined;
let backendUrl = "";
let server: ServerType | undefined;
let baseURL = "";
let ready = false;
let pythonReady = false;

function problem(): string | null {
  if (!existsSync(MODEL_FILE)) return `model file ${MODEL_FILE} is missing`;
  return null;
}

beforeAll(async () => {
  const missing = problem();
  if (missing) {
    if (isCI()) throw new Error(`clients e2e: ${missing} (required when CI=true)`);
    console.warn(`\n!!! SKIPPING client e2e tests: ${missing}\n`);
    return;
  }
  const port = await freePort();
  backend = spawnLogged(
    "npm",
    ["run", "-s", "backend", "--", "--model", MODEL, "--port", String(port), "--threads", "2"],
    {
      cwd: ROOT,
      env: {
        SWITCHYARD_MODEL_DIR: MODEL_DIR,
        SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
        SWITCHYARD_CONTEXT_SIZE: "2048",
        SWITCHYARD_TIMEOUT_MS: String(SLOW),
        SWITCHYARD_QUEUE_SIZE: "64",
      },
    },
  );
  backendUrl = `http://127.0.0.1:${port}`;
  await waitForOk(`${backendUrl}/ready`, backend, 180_000, { authorization: `Bearer ${BACKEND_KEY}` });
  const { app } = createTestEdge({
    SWITCHYARD_BACKENDS: JSON.stringify({ [MODEL]: backendUrl }),
    SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
    SWITCHYARD_RATE_LIMIT_CAPACITY: "10000",
    SWITCHYARD_TTFT_BUDGET_MS: String(SLOW),
    SWITCHYARD_IDLE_TIMEOUT_MS: String(SLOW),
    // Every request here must reach the model, not a cache entry of another client's request.
    SWITCHYARD_CACHE_MODE: "off",
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server?.once("listening", () => r()));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  ready = true;

  const probe = spawnSync(
    PYTHON,
    ["-c", "import openai, langchain_openai, llama_index.llms.openai_like, litellm"],
    { encoding: "utf8" },
  );
  pythonReady = probe.status === 0;
  if (!pythonReady) {
    const why = `${PYTHON} lacks the client packages (pip install -r edge/test/clients/requirements.txt): ${probe.stderr?.trim().split("\n").at(-1) ?? probe.error?.message}`;
    if (isCI()) throw new Error(`clients e2e: ${why}`);
    console.warn(`\n!!! SKIPPING Python client tests: ${why}\n`);
  }
}, SLOW);

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await backend?.stop();
});

/** Runs one check of python_clients.py and returns the JSON it printed. */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the client script; the assertions check its shape.
function python(check: string): Promise<Record<string, any>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [PY_SCRIPT, check], {
      env: {
        ...process.env,
        SWITCHYARD_BASE_URL: baseURL,
        SWITCHYARD_API_KEY: TEST_KEY,
        SWITCHYARD_MODEL: MODEL,
        // LiteLLM would otherwise fetch its model price map from the internet at import.
        LITELLM_LOCAL_MODEL_COST_MAP: "True",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      err = (err + b.toString()).slice(-8000);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`python ${check} exited ${code}:\n${err}`));
      else resolvePromise(JSON.parse(line));
    });
  });
}

const WEATHER_PARAMS = {
  city: z.string().max(16),
  unit: z.enum(["celsius", "fahrenheit"]),
};

describe("openai (Node) against the edge", () => {
  const client = () => new OpenAI({ baseURL, apiKey: TEST_KEY, maxRetries: 0, timeout: SLOW });

  it(
    "chat, stream with usage, models.retrieve and a refused field",
    async () => {
      if (!ready) return;
      const reply = await client().chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Say hello." }],
        max_tokens: 6,
        temperature: 0,
      });
      expect(reply.model).toBe(MODEL);
      expect(typeof reply.choices[0]?.message.content).toBe("string");
      expect(["stop", "length"]).toContain(reply.choices[0]?.finish_reason);

      const stream = await client().chat.completions.create({
        model: "auto",
        messages: [{ role: "user", content: "Name a colour." }],
        max_tokens: 6,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: number | undefined;
      let text = "";
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage.completion_tokens;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(usage).toBeGreaterThan(0);

      expect((await client().models.retrieve(MODEL)).id).toBe(MODEL);
      await expect(
        client().chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: "x" }],
          logprobs: true,
        }),
      ).rejects.toMatchObject({ status: 400, code: "unsupported_parameter", param: "logprobs" });
    },
    SLOW,
  );

  it(
    "tools: a named call, a streamed required call, the tool result turn",
    async () => {
      if (!ready) return;
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather in a city",
            parameters: z.toJSONSchema(z.object(WEATHER_PARAMS)),
          },
        },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: "user", content: "What is the weather in Paris?" },
      ];
      const named = await client().chat.completions.create({
        model: MODEL,
        messages,
        tools,
        tool_choice: { type: "function", function: { name: "get_weather" } },
        max_tokens: 40,
        temperature: 0,
      });
      const choice = named.choices[0];
      if (!choice) throw new Error("no choice");
      expect(choice.finish_reason).toBe("tool_calls");
      const call = choice.message.tool_calls?.[0];
      expect(call?.type).toBe("function");
      if (call?.type !== "function") throw new Error("no function call");
      expect(call.function.name).toBe("get_weather");
      const args = z.object(WEATHER_PARAMS).strict().parse(JSON.parse(call.function.arguments));
      expect(args.city.length).toBeLessThanOrEqual(16);

      // The SDK's stream helper folds tool-call deltas the way OpenAI sends them.
      const runner = client().chat.completions.stream({
        model: "auto",
        messages,
        tools,
        tool_choice: "required",
        max_tokens: 40,
        temperature: 0,
      });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe("tool_calls");
      const streamed = final.choices[0]?.message.tool_calls?.[0];
      if (streamed?.type !== "function") throw new Error("no streamed function call");
      expect(streamed.id).toMatch(/^call_/);
      z.object(WEATHER_PARAMS).parse(JSON.parse(streamed.function.arguments));

      const follow = await client().chat.completions.create({
        model: MODEL,
        messages: [
          ...messages,
          choice.message,
          { role: "tool", tool_call_id: call.id, content: "Sunny, 21 C" },
        ],
        tools,
        max_tokens: 10,
        temperature: 0,
      });
      expect(["stop", "length", "tool_calls"]).toContain(follow.choices[0]?.finish_reason);
    },
    SLOW,
  );

  it(
    "response_format json_schema (strict) parses",
    async () => {
      if (!ready) return;
      const Person = z.object({ name: z.string().max(12), age: z.number().int() });
      const reply = await client().chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Describe a person as JSON." }],
        response_format: {
          type: "json_schema",
          json_schema: { name: "person", strict: true, schema: z.toJSONSchema(Person) },
        },
        max_tokens: 40,
        temperature: 0,
      });
      Person.strict().parse(JSON.parse(reply.choices[0]?.message.content ?? ""));
    },
    SLOW,
  );
});

describe("a tool-call reply in the edge's cache", () => {
  it(
    "is keyed by the tools, and replays as JSON and as a stream of tool-call deltas",
    async () => {
      if (!ready) return;
      // A second edge on the same backend, with the default cache (deterministic requests).
      const { post } = createTestEdge({
        SWITCHYARD_BACKENDS: JSON.stringify({ [MODEL]: backendUrl }),
        SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
        SWITCHYARD_TTFT_BUDGET_MS: String(SLOW),
        SWITCHYARD_IDLE_TIMEOUT_MS: String(SLOW),
      });
      const tool = (name: string) => ({
        type: "function",
        function: { name, parameters: z.toJSONSchema(z.object(WEATHER_PARAMS)) },
      });
      const body = {
        model: MODEL,
        messages: [{ role: "user", content: "Weather in Rome?" }],
        tools: [tool("get_weather")],
        tool_choice: "required",
        max_tokens: 40,
        temperature: 0,
      };
      const first = await post("/v1/chat/completions", body);
      expect(first.headers.get("x-switchyard-cache")).toBe("MISS");
      const made = (await first.json()) as { choices: { message: { tool_calls: unknown[] } }[] };
      const hit = await post("/v1/chat/completions", body);
      expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
      const replayed = (await hit.json()) as typeof made & { choices: { finish_reason: string }[] };
      expect(replayed.choices[0]?.message.tool_calls).toEqual(made.choices[0]?.message.tool_calls);
      expect(replayed.choices[0]?.finish_reason).toBe("tool_calls");

      const streamed = await post("/v1/chat/completions", { ...body, stream: true });
      expect(streamed.headers.get("x-switchyard-cache")).toBe("HIT");
      const text = await streamed.text();
      expect(text).toContain('"tool_calls":[{"index":0,');
      expect(text).toContain('"finish_reason":"tool_calls"');
      expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);

      // Another tool list is another request: not answered from this entry.
      const other = await post("/v1/chat/completions", { ...body, tools: [tool("get_forecast")] });
      expect(other.headers.get("x-switchyard-cache")).toBe("MISS");
      await other.text();
    },
    SLOW,
  );
});

describe("Vercel AI SDK (@ai-sdk/openai-compatible) against the edge", () => {
  const provider = () =>
    createOpenAICompatible({
      name: "switchyard",
      baseURL,
      apiKey: TEST_KEY,
      supportsStructuredOutputs: true,
    });

  it(
    "generateText and streamText",
    async () => {
      if (!ready) return;
      const { text, finishReason } = await generateText({
        model: provider()(MODEL),
        prompt: "Say hello.",
        maxOutputTokens: 6,
        temperature: 0,
        maxRetries: 0,
      });
      expect(text.length).toBeGreaterThan(0);
      expect(["stop", "length"]).toContain(finishReason);
      const streamed = streamText({
        model: provider()("auto"),
        prompt: "Name a fruit.",
        maxOutputTokens: 6,
        temperature: 0,
        maxRetries: 0,
      });
      let pieces = 0;
      for await (const piece of streamed.textStream) if (piece) pieces++;
      expect(pieces).toBeGreaterThan(0);
      expect(["stop", "length"]).toContain(await streamed.finishReason);
    },
    SLOW,
  );

  it(
    'openai("...") from @ai-sdk/openai: its default Responses API, streamed and not',
    async () => {
      if (!ready) return;
      const openai = createOpenAI({ baseURL, apiKey: TEST_KEY });
      const { text } = await generateText({
        model: openai(MODEL),
        prompt: "Say hello.",
        maxOutputTokens: 16,
        temperature: 0,
        maxRetries: 0,
      });
      expect(text.length).toBeGreaterThan(0);
      const streamed = streamText({
        model: openai(MODEL),
        prompt: "Name a fruit.",
        maxOutputTokens: 16,
        temperature: 0,
        maxRetries: 0,
      });
      let joined = "";
      for await (const piece of streamed.textStream) joined += piece;
      expect(joined.length).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "generateObject with a zod schema",
    async () => {
      if (!ready) return;
      const { object } = await generateObject({
        model: provider()(MODEL),
        schema: z.object({ name: z.string().max(12), age: z.number().int() }),
        prompt: "Describe a person.",
        maxOutputTokens: 40,
        temperature: 0,
        maxRetries: 0,
      });
      expect(typeof object.name).toBe("string");
      expect(Number.isInteger(object.age)).toBe(true);
    },
    SLOW,
  );

  it(
    "tools with a forced tool choice, streamed and not",
    async () => {
      if (!ready) return;
      const weather = tool({
        description: "Current weather in a city",
        inputSchema: z.object(WEATHER_PARAMS),
        execute: async ({ city }) => `Sunny in ${city}`,
      });
      const result = await generateText({
        model: provider()(MODEL),
        prompt: "What is the weather in Paris?",
        tools: { get_weather: weather },
        toolChoice: { type: "tool", toolName: "get_weather" },
        stopWhen: stepCountIs(1),
        maxOutputTokens: 40,
        temperature: 0,
        maxRetries: 0,
      });
      expect(result.finishReason).toBe("tool-calls");
      expect(result.toolCalls[0]?.toolName).toBe("get_weather");
      z.object(WEATHER_PARAMS).parse(result.toolCalls[0]?.input);
      expect(result.toolResults[0]?.output).toMatch(/^Sunny in /);

      const streamed = streamText({
        model: provider()(MODEL),
        prompt: "What is the weather in Paris?",
        tools: { get_weather: weather },
        toolChoice: "required",
        stopWhen: stepCountIs(1),
        maxOutputTokens: 40,
        temperature: 0,
        maxRetries: 0,
      });
      const calls = await streamed.toolCalls;
      expect(calls[0]?.toolName).toBe("get_weather");
      z.object(WEATHER_PARAMS).parse(calls[0]?.input);
      expect(await streamed.finishReason).toBe("tool-calls");
    },
    SLOW,
  );
});

describe("Python clients against the edge", () => {
  const skip = () => !ready || !pythonReady;

  it(
    "openai: chat and stream",
    async () => {
      if (skip()) return;
      const r = await python("openai_chat");
      expect(r.model).toBe(MODEL);
      expect(typeof r.content).toBe("string");
      expect(r.stream_text.length).toBeGreaterThan(0);
      expect(r.stream_usage).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "openai: tools (named, streamed required, tool result turn)",
    async () => {
      if (skip()) return;
      const r = await python("openai_tools");
      expect(r.finish).toBe("tool_calls");
      expect(r.name).toBe("get_weather");
      z.object(WEATHER_PARAMS).strict().parse(r.arguments);
      expect(r.stream_finish).toBe("tool_calls");
      expect(r.stream_name).toBe("get_weather");
      expect(r.stream_id).toMatch(/^call_/);
      z.object(WEATHER_PARAMS).parse(r.stream_arguments);
      expect(["stop", "length", "tool_calls"]).toContain(r.follow_finish);
    },
    SLOW,
  );

  it(
    "openai: response_format json_schema and chat.completions.parse",
    async () => {
      if (skip()) return;
      const r = await python("openai_json");
      const Person = z.object({ name: z.string().max(12), age: z.number().int() }).strict();
      Person.parse(r.raw);
      Person.parse(r.parsed);
    },
    SLOW,
  );

  it(
    "openai: models.list, models.retrieve, and a refused field as BadRequestError",
    async () => {
      if (skip()) return;
      const r = await python("openai_models");
      expect(r.ids).toContain(MODEL);
      expect(r.retrieved).toBe(MODEL);
      expect(r.missing).toBe("NotFoundError");
      expect(r.refused).toEqual({
        type: "BadRequestError",
        param: "logprobs",
        code: "unsupported_parameter",
      });
    },
    SLOW,
  );

  it(
    "LangChain ChatOpenAI: invoke, stream, bind_tools, with_structured_output",
    async () => {
      if (skip()) return;
      const r = await python("langchain");
      expect(typeof r.content).toBe("string");
      expect(r.stream_pieces).toBeGreaterThan(1);
      expect(r.tool_calls).toHaveLength(1);
      expect(r.tool_calls[0].name).toBe("get_weather");
      expect(typeof r.tool_calls[0].args.city).toBe("string");
      for (const method of ["json_schema", "function_calling"]) {
        expect(typeof r.structured[method].name).toBe("string");
        expect(Number.isInteger(r.structured[method].age)).toBe(true);
      }
    },
    SLOW,
  );

  it(
    "LlamaIndex OpenAILike: its defaults (/v1/completions), and chat with is_chat_model",
    async () => {
      if (skip()) return;
      const r = await python("llamaindex");
      expect(typeof r.chat).toBe("string");
      expect(r.chat_stream.length).toBeGreaterThan(0);
      expect(r.complete.length).toBeGreaterThan(0);
      expect(r.complete_stream.length).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "LiteLLM: completion, stream, tools",
    async () => {
      if (skip()) return;
      const r = await python("litellm");
      expect(typeof r.content).toBe("string");
      expect(r.stream_text.length).toBeGreaterThan(0);
      expect(r.tool_name).toBe("get_weather");
      z.object(WEATHER_PARAMS).parse(r.tool_arguments);
      expect(r.finish).toBe("tool_calls");
    },
    SLOW,
  );
});
