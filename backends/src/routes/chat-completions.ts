import { Hono } from "hono";
import { ApiError } from "../api/errors.js";
import { parseJsonBody } from "../api/parse-body.js";
import { type ChatCompletionRequest, chatCompletionSchema } from "../api/schemas.js";
import type { AppEnv } from "../app-env.js";
import { ANY_OBJECT, toGrammarSchema } from "../engine/json-schema-grammar.js";
import type { ModelRuntime } from "../engine/model-runtime.js";
import { planTools } from "../engine/tool-calls.js";
import { type ResponseFormatter, respondWithGeneration } from "./generation-response.js";
import { openAiChunks, openAiStreamEnd, openAiStreamError, usageOf } from "./openai-format.js";
import type { RouteDeps } from "./route-deps.js";
import { assertServedModel, generationParams } from "./sampling.js";

/** Response header: prompt tokens that were a trailing assistant message the model continued. */
export const PREFILL_TOKENS_HEADER = "x-switchyard-prefill-tokens";

function chatFormatter(includeUsage: boolean): ResponseFormatter {
  const chunk = openAiChunks("chat.completion.chunk", includeUsage);
  return {
    idPrefix: "chatcmpl",
    body: (result, meta) => ({
      id: meta.id,
      object: "chat.completion",
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: result.toolCalls?.length && result.text === "" ? null : result.text,
            refusal: null,
            ...(result.toolCalls?.length
              ? {
                  tool_calls: result.toolCalls.map((call) => ({
                    id: call.id,
                    type: "function",
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: result.finishReason,
        },
      ],
      usage: usageOf(result),
    }),
    streamStart: (meta) => [
      {
        data: chunk(meta, [
          { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
        ]),
      },
    ],
    streamText: (text, meta) => ({
      data: chunk(meta, [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]),
    }),
    streamToolCall: (delta, meta) => ({
      data: chunk(meta, [
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: delta.index,
                ...(delta.id ? { id: delta.id, type: "function" } : {}),
                function: { ...(delta.name ? { name: delta.name } : {}), arguments: delta.arguments },
              },
            ],
          },
          logprobs: null,
          finish_reason: null,
        },
      ]),
    }),
    streamEnd: (result, meta) =>
      openAiStreamEnd(
        chunk,
        meta,
        result,
        { index: 0, delta: {}, logprobs: null, finish_reason: result.finishReason },
        includeUsage,
      ),
    streamError: openAiStreamError,
  };
}

/**
 * The grammar that enforces response_format (json_object: any object; json_schema: the schema,
 * strict or not), or null for text. With tools the model may call, the reply is either text or
 * calls, and node-llama-cpp cannot hold the text to a grammar at the same time: a 400.
 */
async function responseGrammar(
  runtime: ModelRuntime,
  format: ChatCompletionRequest["response_format"],
  toolsCallable: boolean,
) {
  if (!format || format.type === "text") return null;
  if (toolsCallable)
    throw new ApiError(
      "unsupported_parameter",
      "response_format json_object/json_schema together with callable tools is not supported: use tool_choice none, required or a named function",
      { param: "response_format" },
    );
  const schema =
    format.type === "json_schema" && format.json_schema.schema
      ? toGrammarSchema(format.json_schema.schema, "response_format.json_schema.schema")
      : ANY_OBJECT;
  return runtime.jsonGrammar(schema as never);
}

/**
 * POST /v1/chat/completions (OpenAI-compatible, stream or not).
 *
 * @example app.route("/", chatCompletionsRoute(deps));
 */
export function chatCompletionsRoute(deps: RouteDeps) {
  const schema = chatCompletionSchema(deps.limits);
  return new Hono<AppEnv>().post("/v1/chat/completions", async (c) => {
    const body = await parseJsonBody(c, schema);
    assertServedModel(deps.runtime, body.model);
    deps.runtime.assertAccepting();
    const tools = planTools(body, body.messages, deps.runtime.hasChatTemplate);
    const grammar = await responseGrammar(deps.runtime, body.response_format, tools?.mode === "auto");
    const prompt = deps.runtime.prepareChat(body.messages, tools?.functions);
    // A continued assistant prefix: the edge counts these tokens as the answer's, not the prompt's.
    if (prompt.prefillTokens > 0) c.header(PREFILL_TOKENS_HEADER, String(prompt.prefillTokens));
    const requested = body.max_completion_tokens ?? body.max_tokens;
    const maxTokens = deps.runtime.resolveMaxTokens(
      prompt,
      requested,
      body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
    );
    return respondWithGeneration(c, deps.runtime, deps.hashPrompt, {
      prompt,
      params: { ...generationParams(body, maxTokens), ...(grammar ? { grammar } : {}) },
      stream: body.stream === true,
      formatter: chatFormatter(body.stream_options?.include_usage === true),
      tools,
    });
  });
}
