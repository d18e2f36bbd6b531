import { Hono } from "hono";
import { errorBody } from "../api/errors.js";
import { parseJsonBody } from "../api/parse-body.js";
import { generateSchema } from "../api/schemas.js";
import type { AppEnv } from "../app-env.js";
import type { GenerationResult } from "../engine/model-runtime.js";
import { type ResponseFormatter, respondWithGeneration } from "./generation-response.js";
import { usageOf } from "./openai-format.js";
import type { RouteDeps } from "./route-deps.js";
import { generationParams } from "./sampling.js";

const round1 = (n: number) => Math.round(n * 10) / 10;

function summary(result: GenerationResult, meta: { id: string; model: string }) {
  return {
    id: meta.id,
    model: meta.model,
    finish_reason: result.finishReason,
    usage: usageOf(result),
    timings: {
      ttft_ms: result.ttftMs === null ? null : round1(result.ttftMs),
      generation_ms: round1(result.generationMs),
      tokens_per_second: round1(result.tokensPerSecond),
    },
  };
}

/** Simple API events: `token` ({text}) while generating, then one `done` or `error` event. */
const generateFormatter: ResponseFormatter = {
  idPrefix: "gen",
  body: (result, meta) => ({ text: result.text, ...summary(result, meta) }),
  streamStart: () => [],
  streamText: (text) => ({ event: "token", data: { text } }),
  streamEnd: (result, meta) => [{ event: "done", data: summary(result, meta) }],
  streamError: (error) => ({ event: "error", data: errorBody(error.kind, error.message, error.param) }),
};

/**
 * POST /generate: `{prompt, max_tokens, temperature, top_p, seed, stop, stream}`.
 * Non-stream: `{text, finish_reason, usage, timings}`. Stream: SSE `token` events, then `done`.
 *
 * @example curl -N localhost:8081/generate -d '{"prompt":"Once upon a time","max_tokens":32,"stream":true}'
 */
export function generateRoute(deps: RouteDeps) {
  const schema = generateSchema(deps.limits);
  return new Hono<AppEnv>().post("/generate", async (c) => {
    const body = await parseJsonBody(c, schema);
    const prompt = deps.runtime.prepareText(body.prompt);
    const maxTokens = deps.runtime.resolveMaxTokens(prompt, body.max_tokens);
    return respondWithGeneration(c, deps.runtime, deps.hashPrompt, {
      prompt,
      params: generationParams(body, maxTokens),
      stream: body.stream === true,
      formatter: generateFormatter,
    });
  });
}
