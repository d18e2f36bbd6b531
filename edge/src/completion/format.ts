import type { CacheStatus } from "../http/context";
import type { ToolCallDelta, Usage } from "../proxy/upstream-stream";
import type { Endpoint, ToolCall } from "./request";

/** The `switchyard` object in bodies and final stream chunks (mirrors the x-switchyard-* headers). */
export interface SwitchyardInfo {
  model: string | null;
  route_reason: string;
  route_confidence: number | null;
  cache: CacheStatus;
  request_id: string;
  attempts: number;
  fallback_from: string[];
  /** The failure after which another model continued the reply (null: nothing broke). */
  continued_after: string | null;
}

export interface ReplyMeta {
  id: string;
  created: number;
  model: string;
  switchyard: SwitchyardInfo;
}

export interface CompletedReply {
  content: string;
  /** Complete tool calls (empty when the model answered in text). */
  toolCalls: ToolCall[];
  finishReason: string;
  usage: Usage | null;
}

/** The complete calls as stream deltas (a cached reply replayed as a stream). */
export const toolCallsAsDeltas = (calls: ToolCall[]): ToolCallDelta[] =>
  calls.map((call, index) => ({ index, ...call }));

/** How one API shapes replies: a JSON body, stream chunks, and the closing chunk(s). */
export interface ReplyFormat {
  json(meta: ReplyMeta, reply: CompletedReply): unknown;
  chunk(meta: ReplyMeta, content: string, first: boolean): unknown;
  /** A chunk of tool-call deltas; null for APIs without tools. */
  toolCallChunk(meta: ReplyMeta, toolCalls: ToolCallDelta[], first: boolean): unknown | null;
  final(meta: ReplyMeta, reply: CompletedReply, includeUsage: boolean): unknown[];
}

const chatFormat: ReplyFormat = {
  json: (meta, reply) => ({
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          // OpenAI sends null content next to tool calls when the model wrote no text.
          content: reply.toolCalls.length > 0 && reply.content === "" ? null : reply.content,
          ...(reply.toolCalls.length > 0 ? { tool_calls: reply.toolCalls } : {}),
        },
        finish_reason: reply.finishReason,
      },
    ],
    usage: reply.usage,
    switchyard: meta.switchyard,
  }),
  chunk: (meta, content, first) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta: first ? { role: "assistant", content } : { content }, finish_reason: null }],
  }),
  toolCallChunk: (meta, toolCalls, first) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        delta: first
          ? { role: "assistant", content: null, tool_calls: toolCalls }
          : { tool_calls: toolCalls },
        finish_reason: null,
      },
    ],
  }),
  final: (meta, reply, includeUsage) => {
    const base = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model };
    const finish = {
      ...base,
      choices: [{ index: 0, delta: {}, finish_reason: reply.finishReason }],
      switchyard: meta.switchyard,
    };
    return includeUsage
      ? [finish, { ...base, choices: [], usage: reply.usage, switchyard: meta.switchyard }]
      : [finish];
  },
};

const generateFormat: ReplyFormat = {
  json: (meta, reply) => ({
    id: meta.id,
    object: "generation",
    model: meta.model,
    text: reply.content,
    finish_reason: reply.finishReason,
    usage: reply.usage,
    switchyard: meta.switchyard,
  }),
  chunk: (meta, content) => ({ id: meta.id, model: meta.model, text: content }),
  toolCallChunk: () => null,
  final: (meta, reply) => [
    {
      id: meta.id,
      model: meta.model,
      text: "",
      finish_reason: reply.finishReason,
      usage: reply.usage,
      switchyard: meta.switchyard,
    },
  ],
};

/** Legacy completions (`text_completion`): text in `choices[].text`, ids `cmpl-...`. */
const textCompletionFormat: ReplyFormat = (() => {
  const head = (meta: ReplyMeta) => ({
    id: meta.id.replace(/^chatcmpl-/, "cmpl-"),
    object: "text_completion",
    created: meta.created,
    model: meta.model,
  });
  const choice = (text: string, finishReason: string | null) => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finishReason,
  });
  return {
    json: (meta, reply) => ({
      ...head(meta),
      choices: [choice(reply.content, reply.finishReason)],
      usage: reply.usage,
      switchyard: meta.switchyard,
    }),
    chunk: (meta, content) => ({ ...head(meta), choices: [choice(content, null)] }),
    toolCallChunk: () => null,
    final: (meta, reply, includeUsage) => {
      const finish = {
        ...head(meta),
        choices: [choice("", reply.finishReason)],
        switchyard: meta.switchyard,
      };
      return includeUsage
        ? [finish, { ...head(meta), choices: [], usage: reply.usage, switchyard: meta.switchyard }]
        : [finish];
    },
  };
})();

export const replyFormats: Record<Endpoint, ReplyFormat> = {
  "chat.completions": chatFormat,
  generate: generateFormat,
  completions: textCompletionFormat,
  // The Responses API is produced from chat replies by its own adapter (responses/).
  responses: chatFormat,
};

/** Error event sent in-band once a stream has started (OpenAI clients raise it as an APIError). */
export const streamErrorEvent = (code: string, message: string, switchyard: SwitchyardInfo) => ({
  error: { message, type: "upstream_error", code, param: null },
  switchyard,
});
