import { Hono } from "hono";
import { errorBody } from "../api/errors.js";
import { parseJsonBody } from "../api/parse-body.js";
import { chatCompletionSchema } from "../api/schemas.js";
import type { AppEnv } from "../app-env.js";
import { type ResponseFormatter, respondWithGeneration } from "./generation-response.js";
import type { RouteDeps } from "./route-deps.js";
import { assertServedModel, generationParams } from "./sampling.js";

const usageOf = (r: { promptTokens: number; completionTokens: number }) => ({
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});

function chatFormatter(includeUsage: boolean): ResponseFormatter {
  const chunk = (
    meta: { id: string; created: number; model: string },
    choices: unknown[],
    extra: object = {},
  ) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
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
          message: { role: "assistant", content: result.text, refusal: null },
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
    streamEnd: (result, meta) => [
      { data: chunk(meta, [{ index: 0, delta: {}, logprobs: null, finish_reason: result.finishReason }]) },
      ...(includeUsage ? [{ data: chunk(meta, [], { usage: usageOf(result) }) }] : []),
      { data: "[DONE]" },
    ],
    streamError: (error) => ({ data: errorBody(error.kind, error.message, error.param) }),
  };
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
    const prompt = deps.runtime.prepareChat(body.messages);
    const requested = body.max_completion_tokens ?? body.max_tokens;
    const maxTokens = deps.runtime.resolveMaxTokens(
      prompt,
      requested,
      body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
    );
    return respondWithGeneration(c, deps.runtime, deps.hashPrompt, {
      prompt,
      params: generationParams(body, maxTokens),
      stream: body.stream === true,
      formatter: chatFormatter(body.stream_options?.include_usage === true),
    });
  });
}
