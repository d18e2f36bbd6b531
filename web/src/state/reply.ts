import type { GatewayClient } from "../api/client";
import { GatewayError } from "../api/errors";
import { mergeRoute } from "../api/route-info";
import type { ChatCompletionRequest } from "../api/types";
import type { AssistantMessage, ReplyFailure } from "./types";

/** The parts of an assistant message a streaming reply fills in. */
export type ReplyProgress = Pick<
  AssistantMessage,
  "content" | "status" | "route" | "usage" | "timing" | "failure"
>;

export interface StreamReplyOptions {
  client: GatewayClient;
  credential: string;
  request: ChatCompletionRequest;
  signal: AbortSignal;
  /** Called with the whole reply so far after every change. */
  onProgress: (progress: ReplyProgress) => void;
  now?: () => number;
}

const isAbort = (error: unknown, signal: AbortSignal) =>
  signal.aborted || (error instanceof DOMException && error.name === "AbortError");

export function failureFrom(error: GatewayError, now = Date.now()): ReplyFailure {
  return {
    kind: error.kind,
    message: error.message,
    retryAfterSeconds: error.retryAfterSeconds,
    retryAt: error.retryAfterSeconds === undefined ? undefined : now + error.retryAfterSeconds * 1000,
  };
}

/**
 * Sends one chat request and streams the reply into `onProgress`.
 * Ends in exactly one of: done (the stream said [DONE]), stopped (aborted by the user),
 * or error (HTTP failure, network failure, in-band or truncated stream). Never throws.
 */
export async function streamReply(options: StreamReplyOptions): Promise<ReplyProgress> {
  const { client, credential, request, signal, onProgress } = options;
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  const reply: ReplyProgress = { content: "", status: "streaming", timing: { chunks: 0 } };
  const emit = () => onProgress({ ...reply, timing: reply.timing ? { ...reply.timing } : undefined });
  const finish = (status: ReplyProgress["status"], failure?: ReplyFailure) => {
    reply.status = status;
    reply.failure = failure;
    if (reply.timing) reply.timing.totalMs = now() - startedAt;
    emit();
    return reply;
  };

  try {
    const { route, events } = await client.startChat(credential, request, signal);
    reply.route = route;
    emit();
    for await (const event of events) {
      if (signal.aborted) break;
      switch (event.type) {
        case "delta":
          if (reply.timing && reply.timing.ttftMs === undefined) reply.timing.ttftMs = now() - startedAt;
          if (reply.timing) reply.timing.chunks += 1;
          reply.content += event.content;
          emit();
          break;
        case "usage":
          reply.usage = event.usage;
          emit();
          break;
        case "route":
          reply.route = mergeRoute(reply.route, event.route);
          emit();
          break;
        case "error":
          return finish("error", {
            kind: "stream_error",
            message: event.error.message,
          });
        case "done":
          return finish("done");
      }
    }
    return finish("stopped");
  } catch (error) {
    if (isAbort(error, signal)) return finish("stopped");
    if (error instanceof GatewayError) return finish("error", failureFrom(error));
    // A stream that breaks mid-read (connection reset) is a failed reply, not a finished one.
    const message = error instanceof Error ? error.message : String(error);
    return finish("error", { kind: "stream_error", message: `The connection broke: ${message}` });
  }
}

/** Tokens per second over the generation (first token to end), when measurable. */
export function tokensPerSecond(message: Pick<AssistantMessage, "usage" | "timing">): number | undefined {
  const { timing } = message;
  if (!timing || timing.ttftMs === undefined || timing.totalMs === undefined) return undefined;
  const tokens = message.usage?.completionTokens ?? timing.chunks;
  const seconds = (timing.totalMs - timing.ttftMs) / 1000;
  if (tokens < 2 || seconds <= 0) return undefined;
  // The first token arrives at TTFT; the rate is over the tokens that followed it.
  return (tokens - 1) / seconds;
}
