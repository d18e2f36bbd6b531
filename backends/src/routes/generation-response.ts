import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { type ApiError, toApiError } from "../api/errors.js";
import { type AppEnv, observationOf } from "../app-env.js";
import type { GenerationParams, GenerationResult, ModelRuntime } from "../engine/model-runtime.js";
import type { PreparedPrompt } from "../engine/prompt.js";
import type { ToolCallDelta, ToolPlan } from "../engine/tool-calls.js";

/** One SSE event: `data` is JSON-encoded unless it is the literal "[DONE]". */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** Identity of one response, shared by all its chunks. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

/** How one endpoint renders results: JSON body, stream chunks, final events, in-band errors. */
export interface ResponseFormatter {
  idPrefix: string;
  body(result: GenerationResult, meta: ResponseMeta): unknown;
  streamStart(meta: ResponseMeta): SseEvent[];
  streamText(text: string, meta: ResponseMeta): SseEvent;
  /** A streamed piece of a tool call (endpoints with tools only). */
  streamToolCall?(delta: ToolCallDelta, meta: ResponseMeta): SseEvent;
  streamEnd(result: GenerationResult, meta: ResponseMeta): SseEvent[];
  streamError(error: ApiError, meta: ResponseMeta): SseEvent;
}

export interface GenerationRequest {
  prompt: PreparedPrompt;
  params: GenerationParams;
  stream: boolean;
  formatter: ResponseFormatter;
  /** Tools the model may call (chat only); without it the reply is text. */
  tools?: ToolPlan | null;
}

const encode = (event: SseEvent) => ({
  data: event.data === "[DONE]" ? "[DONE]" : JSON.stringify(event.data),
  ...(event.event ? { event: event.event } : {}),
});

/**
 * Runs one generation for a route: waits for a slot (429/503/504 before any byte is sent),
 * then answers with JSON or an SSE stream. Once a stream has started, failures are sent
 * in-band as an error event and the stream ends without a success marker.
 */
export async function respondWithGeneration(
  c: Context<AppEnv>,
  runtime: ModelRuntime,
  hashPrompt: (text: string) => Promise<string>,
  request: GenerationRequest,
): Promise<Response> {
  const startedAt = performance.now();
  const { prompt, params, stream, formatter } = request;
  const run = (
    lease: Awaited<ReturnType<ModelRuntime["acquire"]>>,
    hooks: Parameters<ModelRuntime["generateWithTools"]>[4],
  ) =>
    request.tools
      ? runtime.generateWithTools(lease, prompt, request.tools, params, hooks)
      : runtime.generate(lease, prompt, params, hooks);
  const observation = observationOf(c);
  observation.stream = stream;
  observation.promptHash = await hashPrompt(prompt.sourceText);
  observation.promptTokens = prompt.promptTokens;
  const meta: ResponseMeta = {
    id: `${formatter.idPrefix}-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: runtime.loaded?.id ?? "",
  };
  // Invalid sampling values (a logit_bias token the model lacks) are a 400 before any byte is sent.
  runtime.samplingOptions(params);
  const signal = runtime.requestSignal(c.req.raw.signal);
  const lease = await runtime.acquire(signal);
  observation.queueMs = Math.round(performance.now() - startedAt);
  const record = (result: GenerationResult) => {
    observation.completionTokens = result.completionTokens;
    observation.finishReason = result.finishReason;
    observation.tokensPerSecond = Math.round(result.tokensPerSecond * 10) / 10;
    if (result.ttftMs !== null) observation.ttftMs = Math.round(result.ttftMs * 10) / 10;
  };

  if (!stream) {
    try {
      const result = await run(lease, { request: signal, startedAt });
      record(result);
      return c.json(formatter.body(result, meta) as object);
    } finally {
      lease.release();
    }
  }

  let settle = () => {};
  observation.settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return streamSSE(c, async (sse) => {
    const write = (event: SseEvent) => sse.writeSSE(encode(event)).catch(() => {});
    try {
      for (const event of formatter.streamStart(meta)) await write(event);
      const toolCall = formatter.streamToolCall;
      const result = await run(lease, {
        request: signal,
        startedAt,
        onText: (text) => void write(formatter.streamText(text, meta)),
        ...(toolCall ? { onToolCall: (delta: ToolCallDelta) => void write(toolCall(delta, meta)) } : {}),
      });
      record(result);
      for (const event of formatter.streamEnd(result, meta)) await write(event);
    } catch (error) {
      const apiError = toApiError(error);
      observation.errorKind = apiError.kind;
      if (apiError.kind !== "client_closed_request") await write(formatter.streamError(apiError, meta));
    } finally {
      lease.release();
      settle();
    }
  });
}
