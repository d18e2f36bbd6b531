import { createParser } from "eventsource-parser";
import { routeFromBody } from "./route-info";
import type { ChatStreamEvent, GatewayErrorBody, TokenUsage } from "./types";

const doneMarker = "[DONE]";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The error events the parser itself produces when the stream is not what it should be. */
export const streamErrors = {
  truncated: {
    message: "The reply stopped before it was complete (the connection closed without [DONE]).",
    type: "stream_error",
    code: "stream_truncated",
  },
  malformed: {
    message: "The gateway sent a malformed stream event.",
    type: "stream_error",
    code: "malformed_event",
  },
} satisfies Record<string, GatewayErrorBody>;

function toError(value: unknown): GatewayErrorBody {
  if (isObject(value)) {
    const message = typeof value.message === "string" && value.message ? value.message : "Unknown error";
    const code = typeof value.code === "string" || typeof value.code === "number" ? value.code : null;
    return { message, type: typeof value.type === "string" ? value.type : undefined, code };
  }
  return { message: typeof value === "string" && value ? value : "Unknown error" };
}

function toUsage(value: unknown): TokenUsage | undefined {
  if (!isObject(value)) return undefined;
  const promptTokens = Number(value.prompt_tokens ?? 0);
  const completionTokens = Number(value.completion_tokens ?? 0);
  const totalTokens = Number(value.total_tokens ?? promptTokens + completionTokens);
  return { promptTokens, completionTokens, totalTokens };
}

/** Turns one SSE `data:` payload into the events it carries (a chunk may carry several). */
export function eventsFromData(data: string): ChatStreamEvent[] {
  if (data.trim() === doneMarker) return [{ type: "done" }];
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return [{ type: "error", error: streamErrors.malformed }];
  }
  if (!isObject(chunk)) return [{ type: "error", error: streamErrors.malformed }];
  const route = routeFromBody(chunk.switchyard);
  if (chunk.error !== undefined && chunk.error !== null) {
    // The error event may say which model failed; keep that, then end with the error.
    return [
      ...(route ? [{ type: "route" as const, route }] : []),
      { type: "error", error: toError(chunk.error) },
    ];
  }

  const events: ChatStreamEvent[] = [];
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  for (const choice of choices) {
    const delta = isObject(choice) && isObject(choice.delta) ? choice.delta : undefined;
    if (delta && typeof delta.content === "string" && delta.content.length > 0) {
      events.push({ type: "delta", content: delta.content });
    }
  }
  const usage = toUsage(chunk.usage);
  if (usage) events.push({ type: "usage", usage });
  if (route) events.push({ type: "route", route });
  return events;
}

/**
 * Reads an OpenAI-style chat completion SSE stream and yields what happened, in order.
 *
 * The stream ends with exactly one terminal event: `done` after `data: [DONE]`, or `error`
 * (an in-band error event, a malformed event, or a stream that closed without `[DONE]`).
 * A reply is only complete when `done` arrives; everything else is an error, never a success.
 * Stopping iteration early cancels the body, which closes the connection (and the gateway
 * then cancels the backend generation).
 *
 * @example
 * for await (const event of readChatStream(response.body)) {
 *   if (event.type === "delta") append(event.content);
 * }
 */
export async function* readChatStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatStreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: ChatStreamEvent[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(...eventsFromData(message.data)) });
  let finished = false;
  try {
    while (!finished) {
      const { done, value } = await reader.read();
      if (done) {
        parser.feed(`${decoder.decode()}\n\n`);
      } else {
        parser.feed(decoder.decode(value, { stream: true }));
      }
      while (pending.length > 0) {
        const event = pending.shift() as ChatStreamEvent;
        yield event;
        if (event.type === "done" || event.type === "error") {
          finished = true;
          break;
        }
      }
      if (done && !finished) {
        yield { type: "error", error: streamErrors.truncated };
        finished = true;
      }
    }
  } finally {
    // Closes the connection if we stopped early (terminal event, consumer break, abort).
    await reader.cancel().catch(() => undefined);
  }
}
