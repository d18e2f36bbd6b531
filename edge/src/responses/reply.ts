import type { SwitchyardInfo } from "../completion/format";
import { SseParser } from "../proxy/sse";
import type { Usage } from "../proxy/upstream-stream";
import type { ResponsesRequest } from "../routes/responses";

/** What a Response object repeats from its request (OpenAI echoes the settings it used). */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string> | null;
  temperature: number | null;
  top_p: number | null;
  text: { format: unknown };
  user?: string;
}

export const echoOf = (body: Partial<ResponsesRequest>): ResponseEcho => ({
  instructions: body.instructions ?? null,
  max_output_tokens: body.max_output_tokens ?? null,
  metadata: body.metadata ?? null,
  temperature: body.temperature ?? null,
  top_p: body.top_p ?? null,
  text: { format: body.text?.format ?? { type: "text" } },
  ...(body.user !== undefined ? { user: body.user } : {}),
});

interface ResponseIds {
  id: string;
  messageId: string;
  createdAt: number;
  model: string;
}

/** Response and message ids from the chat id (`chatcmpl-abc` -> `resp_abc`, `msg_abc`). */
export function idsFrom(chatId: string, model: string, createdAt: number): ResponseIds {
  const core = chatId.replace(/^chatcmpl-/, "");
  return { id: `resp_${core}`, messageId: `msg_${core}`, createdAt, model };
}

type Status = "in_progress" | "completed" | "incomplete" | "failed";

const responseUsage = (u: Usage | null) =>
  u && {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens,
  };

const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

const message = (
  ids: ResponseIds,
  text: string | null,
  status: "in_progress" | "completed" | "incomplete",
) => ({
  type: "message",
  id: ids.messageId,
  status,
  role: "assistant",
  content: text === null ? [] : [outputText(text)],
});

/** A Response object (the `response` of events, or the JSON body). */
export function responseObject(
  ids: ResponseIds,
  echo: ResponseEcho,
  state: {
    status: Status;
    text: string | null;
    usage: Usage | null;
    switchyard?: SwitchyardInfo | null;
    error?: { code: string; message: string } | null;
  },
) {
  const done = state.status === "completed" || state.status === "incomplete";
  return {
    id: ids.id,
    object: "response",
    created_at: ids.createdAt,
    status: state.status,
    ...(done ? { completed_at: Math.floor(Date.now() / 1000) } : {}),
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    model: ids.model,
    output:
      state.text === null
        ? []
        : [message(ids, state.text, state.status === "incomplete" ? "incomplete" : "completed")],
    output_text: state.text ?? "",
    parallel_tool_calls: false,
    tool_choice: "auto",
    tools: [],
    truncation: "disabled",
    store: false,
    ...echo,
    usage: responseUsage(state.usage),
    ...(state.switchyard ? { switchyard: state.switchyard } : {}),
  };
}

interface ChatReply {
  id: string;
  created: number;
  model: string;
  choices: { message: { content: string | null }; finish_reason: string | null }[];
  usage: Usage | null;
  switchyard: SwitchyardInfo;
}

/** A chat.completion body as a Response object. */
export function responseFromChat(chat: ChatReply, echo: ResponseEcho) {
  const choice = chat.choices[0];
  return responseObject(idsFrom(chat.id, chat.model, chat.created), echo, {
    status: choice?.finish_reason === "length" ? "incomplete" : "completed",
    text: choice?.message.content ?? "",
    usage: chat.usage,
    switchyard: chat.switchyard,
  });
}

const encoder = new TextEncoder();
const frame = (event: { type: string; [field: string]: unknown }) =>
  encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

interface ChatChunk {
  id?: string;
  created?: number;
  model?: string;
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: Usage | null;
  switchyard?: SwitchyardInfo;
  error?: { code?: string | null; message?: string };
}

/**
 * Turns a chat.completion.chunk SSE stream (the pipeline's, or a cache replay) into the
 * Responses API's typed events: response.created, response.in_progress, output_item.added,
 * content_part.added, output_text.delta..., output_text.done, content_part.done,
 * output_item.done, then response.completed (response.incomplete when cut by max_output_tokens).
 * An in-band error, or a stream that ends without [DONE], becomes `error` + `response.failed`:
 * never a truncated success. Pull-based: backpressure and cancellation reach the chat stream.
 *
 * @example new Response(responsesEventStream(chatRes.body, { id, messageId, createdAt, model }, echo), ...)
 */
export function responsesEventStream(
  chat: ReadableStream<Uint8Array>,
  ids: ResponseIds,
  echo: ResponseEcho,
): ReadableStream<Uint8Array> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let seq = 0;
  let text = "";
  let usage: Usage | null = null;
  let finish: string | null = null;
  let switchyard: SwitchyardInfo | null = null;
  let ended = false;
  const event = (type: string, fields: Record<string, unknown>) =>
    frame({ type, ...fields, sequence_number: seq++ });
  const where = { item_id: ids.messageId, output_index: 0, content_index: 0 };
  const snapshot = (status: Status, error: { code: string; message: string } | null = null) =>
    responseObject(ids, echo, {
      status,
      text: status === "in_progress" ? null : text,
      usage,
      switchyard,
      error,
    });

  const opening = () => [
    event("response.created", { response: snapshot("in_progress") }),
    event("response.in_progress", { response: snapshot("in_progress") }),
    event("response.output_item.added", { output_index: 0, item: message(ids, null, "in_progress") }),
    event("response.content_part.added", { ...where, part: outputText("") }),
  ];
  const closing = () => {
    const status = finish === "length" ? "incomplete" : "completed";
    return [
      event("response.output_text.done", { ...where, text, logprobs: [] }),
      event("response.content_part.done", { ...where, part: outputText(text) }),
      event("response.output_item.done", { output_index: 0, item: message(ids, text, status) }),
      event(status === "completed" ? "response.completed" : "response.incomplete", {
        response: snapshot(status),
      }),
    ];
  };
  const failure = (code: string, messageText: string) => [
    event("error", { code, message: messageText, param: null }),
    event("response.failed", {
      response: snapshot("failed", { code: "server_error", message: messageText }),
    }),
  ];

  const out: Uint8Array[] = [];
  const handle = (data: string) => {
    if (ended) return;
    if (data.trim() === "[DONE]") {
      out.push(...closing());
      ended = true;
      return;
    }
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      out.push(...failure("malformed_chunk", "The model stream sent a malformed event"));
      ended = true;
      return;
    }
    if (chunk.switchyard) switchyard = chunk.switchyard;
    if (chunk.error) {
      out.push(
        ...failure(chunk.error.code ?? "upstream_error", chunk.error.message ?? "The model stream failed"),
      );
      ended = true;
      return;
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) finish = choice.finish_reason;
    const delta = choice?.delta?.content;
    if (typeof delta === "string" && delta !== "") {
      text += delta;
      out.push(event("response.output_text.delta", { ...where, delta, logprobs: [] }));
    }
  };

  const reader = chat.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const e of opening()) controller.enqueue(e);
    },
    async pull(controller) {
      while (out.length === 0) {
        if (ended) {
          controller.close();
          await reader.cancel().catch(() => {});
          return;
        }
        const { done, value } = await reader.read();
        if (done) {
          if (!ended) out.push(...failure("truncated", "The model stream ended early"));
          ended = true;
          break;
        }
        for (const ev of parser.push(decoder.decode(value, { stream: true }))) handle(ev.data);
      }
      for (const e of out.splice(0)) controller.enqueue(e);
      if (ended && out.length === 0) controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
