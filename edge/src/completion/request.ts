import { sha256, toHex } from "../middleware/auth/api-keys";
import type { ChatCompletionRequest, GenerateRequest } from "../routes/schemas";

export type Endpoint = "chat.completions" | "generate";

export interface NormalisedMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One completion request in the edge's own form, whichever API it came through. */
export interface CompletionRequest {
  endpoint: Endpoint;
  /** Catalogue id or "auto". */
  model: string;
  messages: NormalisedMessage[];
  maxTokens: number | null;
  temperature: number | null;
  topP: number | null;
  seed: number | null;
  stop: string[] | null;
  stream: boolean;
  includeUsage: boolean;
}

export function fromChat(body: ChatCompletionRequest): CompletionRequest {
  return {
    endpoint: "chat.completions",
    model: body.model,
    messages: body.messages.map((m) => ({
      // "developer" is OpenAI's newer name for the system role; backends know "system".
      role: m.role === "developer" ? "system" : m.role,
      content: typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text).join(""),
    })),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    seed: body.seed ?? null,
    stop:
      body.stop === undefined || body.stop === null
        ? null
        : typeof body.stop === "string"
          ? [body.stop]
          : body.stop,
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
  };
}

export function fromGenerate(body: GenerateRequest): CompletionRequest {
  return {
    endpoint: "generate",
    model: body.model,
    messages: [{ role: "user", content: body.prompt }],
    maxTokens: body.max_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: null,
    seed: null,
    stop: null,
    stream: body.stream ?? false,
    includeUsage: true,
  };
}

/** The prompt as one text (for routing features and the prompt hash). */
export const promptText = (r: CompletionRequest): string =>
  r.messages.map((m) => `${m.role}: ${m.content}`).join("\n");

export const lastUserText = (r: CompletionRequest): string =>
  [...r.messages].reverse().find((m) => m.role === "user")?.content ?? "";

/**
 * Cache key: SHA-256 of everything that determines the reply (endpoint, requested model or
 * "auto", messages, sampling parameters). Stream and usage flags are left out on purpose, so a
 * streamed and a plain request share the entry.
 *
 * @example await cacheKey(fromChat(body)) // "cache:v1:3f7a..."
 */
export async function cacheKey(r: CompletionRequest): Promise<string> {
  const material = JSON.stringify([
    1,
    r.endpoint,
    r.model,
    r.messages.map((m) => [m.role, m.content]),
    r.maxTokens,
    r.temperature,
    r.topP,
    r.seed,
    r.stop,
  ]);
  return `cache:v1:${toHex(await sha256(material))}`;
}

/** Body sent to a backend (minus `model`): always streaming, so TTFT and failures are observable. */
export function upstreamBody(r: CompletionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    messages: r.messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (r.maxTokens !== null) body.max_tokens = r.maxTokens;
  if (r.temperature !== null) body.temperature = r.temperature;
  if (r.topP !== null) body.top_p = r.topP;
  if (r.seed !== null) body.seed = r.seed;
  if (r.stop !== null) body.stop = r.stop;
  return body;
}
