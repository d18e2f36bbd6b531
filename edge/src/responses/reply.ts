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

type ItemStatus = "in_progress" | "completed" | "incomplete";

const message = (ids: ResponseIds, text: string | null, status: ItemStatus) => ({
  type: "message",
  id: ids.messageId,
  status,
  role: "assistant",
  content: text === null ? [] : [outputText(text)],
});

/** A function call the model made, as a Responses output item (`call_id` is chat's tool call id). */
interface FunctionCall {
  callId: string;
  name: string;
  arguments: string;
}

const functionCallItem = (call: FunctionCall, status: ItemStatus) => ({
  type: "function_call",
  id: `fc_${call.callId.replace(/^call_/, "")}`,
  call_id: call.callId,
  name: call.name,
  arguments: call.arguments,
  status,
});

/** The output of a reply: its text as a message (when there is any), then its function calls. */
interface Output {
  text: string | null;
  calls: FunctionCall[];
}

function outputItems(ids: ResponseIds, out: Output, status: ItemStatus) {
  return [
    ...(out.text !== null && (out.text !== "" || out.calls.length === 0)
      ? [message(ids, out.text, status)]
      : []),
    ...out.calls.map((call) => functionCallItem(call, status)),
  ];
}

/** A Response object (the `response` of events, or the JSON body). */
export function responseObject(
  ids: ResponseIds,
  echo: ResponseEcho,
  state: {
    status: Status;
    output: Output | null;
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
    output: state.output
      ? outputItems(ids, state.output, state.status === "incomplete" ? "incomplete" : "completed")
      : [],
    output_text: state.output?.text ?? "",
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

interface ChatToolCall {
  id: string;
  function: { name: string; arguments: string };
}

interface ChatReply {
  id: string;
  created: number;
  model: string;
  choices: {
    message: { content: string | null; tool_calls?: ChatToolCall[] };
    finish_reason: string | null;
  }[];
  usage: Usage | null;
  switchyard: SwitchyardInfo;
}

/** A chat.completion body as a Response object. */
export function responseFromChat(chat: ChatReply, echo: ResponseEcho) {
  const choice = chat.choices[0];
  const calls = (choice?.message.tool_calls ?? []).map((c) => ({
    callId: c.id,
    name: c.function.name,
    arguments: c.function.arguments,
  }));
  return responseObject(idsFrom(chat.id, chat.model, chat.created), echo, {
    status: choice?.finish_reason === "length" ? "incomplete" : "completed",
    output: { text: choice?.message.content ?? "", calls },
    usage: chat.usage,
    switchyard: chat.switchyard,
  });
}

const encoder = new TextEncoder();
const frame = (event: { type: string; [field: string]: unknown }) =>
  encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

interface ChatChunk {
  choices?: {
    delta?: {
      content?: string | null;
      tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: Usage | null;
  switchyard?: SwitchyardInfo;
  error?: { code?: string | null; message?: string };
}

/** One output item of a stream, opened when its first piece arrives. */
type OpenItem =
  | { kind: "message"; outputIndex: number; text: string }
  | { kind: "call"; outputIndex: number; call: FunctionCall };

/**
 * Turns a chat.completion.chunk SSE stream (the pipeline's, or a cache replay) into the
 * Responses API's typed events: response.created, response.in_progress, then per output item
 * (a message when text comes, a function_call per tool call) output_item.added and its pieces
 * (content_part.added + output_text.delta..., or function_call_arguments.delta...), their .done
 * events and output_item.done, then response.completed (response.incomplete when cut by
 * max_output_tokens). An in-band error, or a stream that ends without [DONE], becomes `error` +
 * `response.failed`: never a truncated success. Pull-based: backpressure and cancellation
 * reach the chat stream.
 *
 * @example new Response(responsesEventStream(chatRes.body, ids, echo), { headers })
 */
export function responsesEventStream(
  chat: ReadableStream<Uint8Array>,
  ids: ResponseIds,
  echo: ResponseEcho,
): ReadableStream<Uint8Array> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let seq = 0;
  let usage: Usage | null = null;
  let finish: string | null = null;
  let switchyard: SwitchyardInfo | null = null;
  let ended = false;
  const items: OpenItem[] = [];
  let messageItem: Extract<OpenItem, { kind: "message" }> | undefined;
  const calls = new Map<number, Extract<OpenItem, { kind: "call" }>>();
  const event = (type: string, fields: Record<string, unknown>) =>
    frame({ type, ...fields, sequence_number: seq++ });
  const output = (): Output => ({
    text: messageItem ? messageItem.text : null,
    calls: items.flatMap((i) => (i.kind === "call" ? [i.call] : [])),
  });
  const snapshot = (status: Status, error: { code: string; message: string } | null = null) =>
    responseObject(ids, echo, {
      status,
      output: status === "in_progress" ? null : output(),
      usage,
      switchyard,
      error,
    });
  const textAt = (item: { outputIndex: number }) => ({
    item_id: ids.messageId,
    output_index: item.outputIndex,
    content_index: 0,
  });

  const out: Uint8Array[] = [
    event("response.created", { response: snapshot("in_progress") }),
    event("response.in_progress", { response: snapshot("in_progress") }),
  ];
  const addText = (delta: string) => {
    if (!messageItem) {
      messageItem = { kind: "message", outputIndex: items.length, text: "" };
      items.push(messageItem);
      out.push(
        event("response.output_item.added", {
          output_index: messageItem.outputIndex,
          item: message(ids, null, "in_progress"),
        }),
        event("response.content_part.added", { ...textAt(messageItem), part: outputText("") }),
      );
    }
    if (delta === "") return;
    messageItem.text += delta;
    out.push(event("response.output_text.delta", { ...textAt(messageItem), delta, logprobs: [] }));
  };
  const addCallPiece = (
    piece: NonNullable<NonNullable<ChatChunk["choices"]>[number]["delta"]>["tool_calls"] extends
      | (infer T)[]
      | undefined
      ? T
      : never,
  ) => {
    let item = calls.get(piece.index);
    if (!item) {
      item = {
        kind: "call",
        outputIndex: items.length,
        call: {
          callId: piece.id ?? `call_${ids.id}_${piece.index}`,
          name: piece.function?.name ?? "",
          arguments: "",
        },
      };
      calls.set(piece.index, item);
      items.push(item);
      out.push(
        event("response.output_item.added", {
          output_index: item.outputIndex,
          item: functionCallItem(item.call, "in_progress"),
        }),
      );
    } else if (piece.function?.name) {
      item.call.name += piece.function.name;
    }
    const delta = piece.function?.arguments ?? "";
    if (delta !== "") {
      item.call.arguments += delta;
      out.push(
        event("response.function_call_arguments.delta", {
          item_id: functionCallItem(item.call, "in_progress").id,
          output_index: item.outputIndex,
          delta,
        }),
      );
    }
  };
  const closing = () => {
    const status = finish === "length" ? "incomplete" : "completed";
    if (items.length === 0) addText(""); // an empty answer is still one (empty) message
    for (const item of items) {
      if (item.kind === "message") {
        out.push(
          event("response.output_text.done", { ...textAt(item), text: item.text, logprobs: [] }),
          event("response.content_part.done", { ...textAt(item), part: outputText(item.text) }),
          event("response.output_item.done", {
            output_index: item.outputIndex,
            item: message(ids, item.text, status),
          }),
        );
      } else {
        const done = functionCallItem(item.call, status);
        out.push(
          event("response.function_call_arguments.done", {
            item_id: done.id,
            output_index: item.outputIndex,
            name: item.call.name,
            arguments: item.call.arguments,
          }),
          event("response.output_item.done", { output_index: item.outputIndex, item: done }),
        );
      }
    }
    out.push(
      event(status === "completed" ? "response.completed" : "response.incomplete", {
        response: snapshot(status),
      }),
    );
  };
  const failure = (code: string, messageText: string) => {
    out.push(
      event("error", { code, message: messageText, param: null }),
      event("response.failed", {
        response: snapshot("failed", { code: "server_error", message: messageText }),
      }),
    );
  };

  const handle = (data: string) => {
    if (ended) return;
    if (data.trim() === "[DONE]") {
      closing();
      ended = true;
      return;
    }
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      failure("malformed_chunk", "The model stream sent a malformed event");
      ended = true;
      return;
    }
    if (chunk.switchyard) switchyard = chunk.switchyard;
    if (chunk.error) {
      failure(chunk.error.code ?? "upstream_error", chunk.error.message ?? "The model stream failed");
      ended = true;
      return;
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) finish = choice.finish_reason;
    const delta = choice?.delta?.content;
    if (typeof delta === "string" && delta !== "") addText(delta);
    for (const piece of choice?.delta?.tool_calls ?? []) addCallPiece(piece);
  };

  const reader = chat.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (out.length === 0 && !ended) {
        const { done, value } = await reader.read();
        if (done) {
          if (!ended) failure("truncated", "The model stream ended early");
          ended = true;
          break;
        }
        for (const ev of parser.push(decoder.decode(value, { stream: true }))) handle(ev.data);
      }
      for (const e of out.splice(0)) controller.enqueue(e);
      if (ended) {
        controller.close();
        await reader.cancel().catch(() => {});
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
