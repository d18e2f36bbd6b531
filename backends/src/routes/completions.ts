import { Hono } from "hono";
import { parseJsonBody } from "../api/parse-body.js";
import { completionSchema } from "../api/schemas.js";
import type { AppEnv } from "../app-env.js";
import { type ResponseFormatter, respondWithGeneration } from "./generation-response.js";
import { openAiChunks, openAiStreamEnd, openAiStreamError, usageOf } from "./openai-format.js";
import type { RouteDeps } from "./route-deps.js";
import { assertServedModel, generationParams } from "./sampling.js";

function completionFormatter(includeUsage: boolean): ResponseFormatter {
  const chunk = openAiChunks("text_completion", includeUsage);
  return {
    idPrefix: "cmpl",
    body: (result, meta) => ({
      id: meta.id,
      object: "text_completion",
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, text: result.text, logprobs: null, finish_reason: result.finishReason }],
      usage: usageOf(result),
    }),
    streamStart: () => [],
    streamText: (text, meta) => ({
      data: chunk(meta, [{ index: 0, text, logprobs: null, finish_reason: null }]),
    }),
    streamEnd: (result, meta) =>
      openAiStreamEnd(
        chunk,
        meta,
        result,
        { index: 0, text: "", logprobs: null, finish_reason: result.finishReason },
        includeUsage,
      ),
    streamError: openAiStreamError,
  };
}

/**
 * POST /v1/completions (OpenAI-compatible legacy completions, stream or not).
 *
 * @example app.route("/", completionsRoute(deps));
 */
export function completionsRoute(deps: RouteDeps) {
  const schema = completionSchema(deps.limits);
  return new Hono<AppEnv>().post("/v1/completions", async (c) => {
    const body = await parseJsonBody(c, schema);
    assertServedModel(deps.runtime, body.model);
    const text = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] ?? "");
    const prompt = deps.runtime.prepareText(text);
    const maxTokens = deps.runtime.resolveMaxTokens(prompt, body.max_tokens);
    return respondWithGeneration(c, deps.runtime, deps.hashPrompt, {
      prompt,
      params: generationParams(body, maxTokens),
      stream: body.stream === true,
      formatter: completionFormatter(body.stream_options?.include_usage === true),
    });
  });
}
