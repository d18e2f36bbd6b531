import { promptHashText } from "../../../vocabulary/prompt-hash";
import type { ToolCall } from "../proxy/upstream-stream";
import type { ChatCompletionRequest, GenerateRequest } from "../routes/schemas";
import type { TextCompletionRequest } from "../routes/text-completions";
import type { FallbackChoice } from "../routing/policy";

export type Endpoint = "chat.completions" | "generate" | "completions" | "responses";

export type { ToolCall } from "../proxy/upstream-stream";

export interface NormalisedMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Assistant messages: the tool calls the model made. */
  tool_calls?: ToolCall[];
  /** Tool messages: the call this is the result of. */
  tool_call_id?: string;
}

/**
 * Output-changing OpenAI fields forwarded to the backend under their wire names, as validated
 * (absent when the client did not send them). The backend applies or refuses each one.
 */
export interface ForwardedFields {
  top_k?: number;
  min_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  tools?: unknown[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  response_format?: unknown;
}

/** What a model must be able to do to answer a request (matched against catalogue capabilities). */
export type RequiredCapability = "tools" | "json_schema";

/** One completion request in the edge's own form, whichever API it came through. */
export interface CompletionRequest {
  endpoint: Endpoint;
  /** Catalogue id or "auto". */
  model: string;
  messages: NormalisedMessage[];
  /**
   * Legacy completions: the raw prompt the model continues (no chat template; sent to the
   * backend's /v1/completions). Null for chat-shaped requests, which use `messages`.
   */
  prompt: string | null;
  maxTokens: number | null;
  temperature: number | null;
  topP: number | null;
  seed: number | null;
  stop: string[] | null;
  stream: boolean;
  includeUsage: boolean;
  forwarded: ForwardedFields;
  /** Who may answer if `model` cannot (explicit models only; see completion/model-choice.ts). */
  fallbacks: FallbackChoice;
}

const FORWARDED_KEYS = [
  "top_k",
  "min_p",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
] as const satisfies readonly (keyof ForwardedFields & keyof ChatCompletionRequest)[];

function forwardedFields(body: ChatCompletionRequest): ForwardedFields {
  const out: Record<string, unknown> = {};
  for (const key of FORWARDED_KEYS) {
    const value = body[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  // Plain text is the default format: leave it out so it shares cache entries with requests without it.
  if ((body.response_format as { type?: string } | null | undefined)?.type === "text")
    delete out.response_format;
  return out as ForwardedFields;
}

const textOf = (content: string | { text: string }[] | null | undefined): string =>
  typeof content === "string" ? content : (content ?? []).map((p) => p.text).join("");

function normaliseMessage(m: ChatCompletionRequest["messages"][number]): NormalisedMessage {
  if (m.role === "tool") return { role: "tool", content: textOf(m.content), tool_call_id: m.tool_call_id };
  if (m.role === "assistant") {
    return {
      role: "assistant",
      content: textOf(m.content),
      ...(m.tool_calls?.length ? { tool_calls: m.tool_calls } : {}),
    };
  }
  // "developer" is OpenAI's newer name for the system role; backends know "system".
  return { role: m.role === "developer" ? "system" : m.role, content: textOf(m.content) };
}

/** Header by which a client lets other models stand in for the one it named (the size cascade). */
export const FALLBACK_HEADER = "x-switchyard-fallback";

/**
 * The fallbacks a client asked for: its own `models` list (OpenRouter-style, tried in order
 * after `model`), else the cascade with `x-switchyard-fallback: true`, else none.
 *
 * @example fallbackChoice(body.models, c.req.header(FALLBACK_HEADER)) // { kind: "none" }
 */
export function fallbackChoice(
  models: readonly string[] | null | undefined,
  header: string | undefined,
): FallbackChoice {
  if (models?.length) return { kind: "list", models: [...models] };
  return /^(true|1|yes)$/i.test(header?.trim() ?? "") ? { kind: "cascade" } : { kind: "none" };
}

/** OpenAI's `stop` (one string, a list, or absent) as a list or null. */
const stopList = (stop: string | string[] | null | undefined): string[] | null =>
  stop === undefined || stop === null ? null : typeof stop === "string" ? [stop] : stop;

/** A chat request; `fallbackHeader` is the client's x-switchyard-fallback header, if any. */
export function fromChat(body: ChatCompletionRequest, fallbackHeader?: string): CompletionRequest {
  return {
    endpoint: "chat.completions",
    model: body.model,
    messages: body.messages.map(normaliseMessage),
    prompt: null,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    seed: body.seed ?? null,
    stop: stopList(body.stop),
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    forwarded: forwardedFields(body),
    fallbacks: fallbackChoice(body.models, fallbackHeader),
  };
}

export function fromGenerate(body: GenerateRequest, fallbackHeader?: string): CompletionRequest {
  return {
    endpoint: "generate",
    model: body.model,
    messages: [{ role: "user", content: body.prompt }],
    prompt: null,
    maxTokens: body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: null,
    seed: null,
    stop: null,
    stream: body.stream ?? false,
    includeUsage: true,
    forwarded: {},
    fallbacks: fallbackChoice(null, fallbackHeader),
  };
}

/** A legacy text completion (`POST /v1/completions`). */
export function fromTextCompletion(body: TextCompletionRequest, fallbackHeader?: string): CompletionRequest {
  const prompt = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] ?? "");
  const forwarded: ForwardedFields = {};
  for (const key of ["presence_penalty", "frequency_penalty", "logit_bias"] as const) {
    const value = body[key];
    if (value !== undefined && value !== null) (forwarded as Record<string, unknown>)[key] = value;
  }
  return {
    endpoint: "completions",
    model: body.model,
    messages: [{ role: "user", content: prompt }],
    prompt,
    maxTokens: body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    seed: body.seed ?? null,
    stop: stopList(body.stop),
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    forwarded,
    fallbacks: fallbackChoice(body.models, fallbackHeader),
  };
}

/** The prompt as one text (for routing features and the prompt hash). */
export const promptText = (r: CompletionRequest): string => promptHashText(r);

/** The request as the request log keeps it (the prompt only to be hashed). */
export const loggedRequest = (r: CompletionRequest) => ({
  endpoint: r.endpoint,
  requestedModel: r.model,
  stream: r.stream,
  promptText: promptText(r),
});

export const lastUserText = (r: CompletionRequest): string =>
  [...r.messages].reverse().find((m) => m.role === "user")?.content ?? "";

/** Capabilities the answering model needs: tools for `tools`, json_schema for structured output. */
export function requiredCapabilities(r: CompletionRequest): RequiredCapability[] {
  const needs: RequiredCapability[] = [];
  if (r.forwarded.tools?.length && r.forwarded.tool_choice !== "none") needs.push("tools");
  if (r.forwarded.response_format !== undefined) needs.push("json_schema");
  return needs;
}

/** JSON with object keys sorted, so equal requests give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Everything that determines the reply, as one canonical text: endpoint, requested model or
 * "auto", messages (tool calls and results included), sampling parameters and every forwarded
 * field (tools, tool_choice, response_format, penalties, logit_bias, ...). Stream and usage
 * flags are left out on purpose, so a streamed and a plain request share an entry. Cache keys
 * are HMACs of this text (middleware/cache/key.ts); a new output-changing field only needs to be
 * in the request.
 *
 * @example cacheMaterial(fromChat(body)) // '[2,"chat.completions","auto",...]'
 */
export function cacheMaterial(r: CompletionRequest): string {
  return canonicalJson([
    2,
    r.endpoint,
    r.model,
    r.prompt ?? r.messages,
    r.maxTokens,
    r.temperature,
    r.topP,
    r.seed,
    r.stop,
    r.forwarded,
    // An entry made by a stand-in model must not answer a request that allowed none.
    r.fallbacks,
  ]);
}

/** The backend API a request goes to: raw prompts to /v1/completions, the rest to chat. */
export const upstreamPath = (r: CompletionRequest): string =>
  r.prompt === null ? "/v1/chat/completions" : "/v1/completions";

/** Body sent to a backend (minus `model`): always streaming, so TTFT and failures are observable. */
export function upstreamBody(r: CompletionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...(r.prompt === null ? { messages: r.messages } : { prompt: r.prompt }),
    stream: true,
    stream_options: { include_usage: true },
    ...r.forwarded,
  };
  if (r.maxTokens !== null) body.max_tokens = r.maxTokens;
  if (r.temperature !== null) body.temperature = r.temperature;
  if (r.topP !== null) body.top_p = r.topP;
  if (r.seed !== null) body.seed = r.seed;
  if (r.stop !== null) body.stop = r.stop;
  return body;
}

/**
 * Body for a continuation: the same request plus the text already delivered as an assistant
 * prefill, which the backend continues; `max_tokens` shrinks by what was delivered (estimated
 * from the content chunks, about one token each).
 *
 * @example continuationBody(req, { text: "Once upon a", chunks: 3 })
 */
export function continuationBody(
  r: CompletionRequest,
  delivered: { text: string; chunks: number },
): Record<string, unknown> {
  const body = upstreamBody(r);
  // A raw prompt is continued by appending what was delivered; chat by an assistant prefill.
  if (r.prompt !== null) body.prompt = r.prompt + delivered.text;
  else body.messages = [...r.messages, { role: "assistant", content: delivered.text }];
  if (r.maxTokens !== null) body.max_tokens = Math.max(1, r.maxTokens - delivered.chunks);
  return body;
}
