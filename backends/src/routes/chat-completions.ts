import { Hono } from "hono";
import { parseJsonBody } from "../api/parse-body.js";
import { chatCompletionSchema } from "../api/schemas.js";
import type { AppEnv } from "../app-env.js";
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
      params: generationParams(body, maxTokens),
      stream: body.stream === true,
      formatter: chatFormatter(body.stream_options?.include_usage === true),
    });
  });
}
