import type { FetchLike } from "../api/client";

/**
 * A scripted gateway for component tests (fault injection: the real edge cannot run inside
 * jsdom; the end-to-end test in web/e2e drives the real one). Each chat request gets a stream
 * the test writes to by hand, so it can split, delay, break or never finish it.
 */
const encoder = new TextEncoder();

export interface ScriptedStream {
  push(text: string): void;
  pushChunk(chunk: unknown): void;
  close(): void;
  readonly cancelled: boolean;
}

export interface RecordedRequest {
  url: string;
  init: RequestInit | undefined;
  body: Record<string, unknown> | undefined;
  signal: AbortSignal | undefined;
}

export type ChatResponder = (request: RecordedRequest) => Response | Promise<Response>;

export function scriptedStream(signal?: AbortSignal): {
  stream: ReadableStream<Uint8Array>;
  control: ScriptedStream;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      cancelled = true;
    },
  });
  // Like a real fetch: aborting the request errors the body.
  signal?.addEventListener("abort", () => {
    cancelled = true;
    if (!closed) controller.error(new DOMException("The operation was aborted.", "AbortError"));
    closed = true;
  });
  const control: ScriptedStream = {
    push(text) {
      if (!closed) controller.enqueue(encoder.encode(text));
    },
    pushChunk(chunk) {
      control.push(`data: ${JSON.stringify(chunk)}\n\n`);
    },
    close() {
      if (!closed) controller.close();
      closed = true;
    },
    get cancelled() {
      return cancelled;
    },
  };
  return { stream, control };
}

export const contentChunk = (content: string, model = "qwen2.5-7b-instruct") => ({
  id: "chatcmpl-test",
  object: "chat.completion.chunk",
  model,
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});

export const sseHeaders = (extra: Record<string, string> = {}) => ({
  "content-type": "text/event-stream",
  "x-switchyard-model": "qwen2.5-7b-instruct",
  "x-switchyard-route-reason": "round_robin",
  "x-switchyard-route-confidence": "0.82",
  "x-switchyard-cache": "MISS",
  "x-request-id": "req-123",
  ...extra,
});

export const jsonError = (
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
) =>
  new Response(JSON.stringify({ error: { message, type: "switchyard_error", code } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

export const modelList = ["auto", "codegemma-7b", "qwen2.5-7b-instruct", "llama-3.1-8b-instruct"];

/** A fetch that answers /v1/models from a list and /v1/chat/completions with `onChat`. */
export function fakeGateway(onChat: ChatResponder) {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    const recorded: RecordedRequest = {
      url,
      init,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      signal: init?.signal ?? undefined,
    };
    requests.push(recorded);
    if (url.endsWith("/v1/models")) {
      return Response.json({ object: "list", data: modelList.map((id) => ({ id, object: "model" })) });
    }
    if (url.endsWith("/v1/chat/completions")) return onChat(recorded);
    return jsonError(404, "Not found", "not_found");
  };
  return { fetch, requests, chatRequests: () => requests.filter((r) => r.url.endsWith("/chat/completions")) };
}
