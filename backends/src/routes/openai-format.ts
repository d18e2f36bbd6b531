import { errorBody } from "../api/errors.js";
import type { GenerationResult } from "../engine/model-runtime.js";
import type { ResponseFormatter, ResponseMeta, SseEvent } from "./generation-response.js";

/** OpenAI's `usage` object from a generation's token counts. */
export const usageOf = (r: Pick<GenerationResult, "promptTokens" | "completionTokens">) => ({
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});

/**
 * Builds the stream chunks of one OpenAI endpoint (`object` is e.g. "chat.completion.chunk").
 * With `include_usage`, every chunk carries `usage: null` and the last one the real usage, as OpenAI does.
 *
 * @example const chunk = openAiChunks("text_completion", true); chunk(meta, [{ index: 0, text }]);
 */
export function openAiChunks(object: string, includeUsage: boolean) {
  return (meta: ResponseMeta, choices: unknown[], extra: object = {}) => ({
    id: meta.id,
    object,
    created: meta.created,
    model: meta.model,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
}

/** The end of an OpenAI stream: the finishing choice, the usage chunk if asked for, then [DONE]. */
export function openAiStreamEnd(
  chunk: ReturnType<typeof openAiChunks>,
  meta: ResponseMeta,
  result: GenerationResult,
  finalChoice: object,
  includeUsage: boolean,
): SseEvent[] {
  return [
    { data: chunk(meta, [finalChoice]) },
    ...(includeUsage ? [{ data: chunk(meta, [], { usage: usageOf(result) }) }] : []),
    { data: "[DONE]" },
  ];
}

/** An in-band error event: the stream then ends without [DONE]. */
export const openAiStreamError: ResponseFormatter["streamError"] = (error) => ({
  data: errorBody(error.kind, error.message, error.param),
});
