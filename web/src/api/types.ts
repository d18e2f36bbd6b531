/** Shapes the web app exchanges with the Switchyard gateway (OpenAI-compatible plus routing metadata). */

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessageInput {
  role: ChatRole;
  content: string;
}

/** Body of `POST /v1/chat/completions` as the web app sends it. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessageInput[];
  stream: true;
  stream_options: { include_usage: true };
  temperature?: number;
  max_tokens?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type CacheStatus = "HIT" | "MISS" | "BYPASS";

/** A fallback the gateway took before the first token (retry on another model, cascade). */
export interface FallbackInfo {
  /** Model that was asked first (the router's pick or the requested model). */
  from?: string;
  /** Model that finally answered. */
  to?: string;
  /** Why, in the gateway's words. */
  reason?: string;
}

/** Which model answered and why: from the response headers, refined by the final stream chunk. */
export interface RouteInfo {
  model?: string;
  reason?: string;
  /** Router confidence in [0, 1]. */
  confidence?: number;
  cache?: CacheStatus | string;
  requestId?: string;
  fallback?: FallbackInfo;
  /** Upstream attempts the gateway made (retries included); 1 when the first try answered. */
  attempts?: number;
}

/** OpenAI-style error body: `{"error": {"message", "type", "code"}}`. */
export interface GatewayErrorBody {
  message: string;
  type?: string;
  code?: string | number | null;
}

/** One thing that happened in a chat completion stream, in order. */
export type ChatStreamEvent =
  | { type: "delta"; content: string }
  | { type: "usage"; usage: TokenUsage }
  | { type: "route"; route: RouteInfo }
  | { type: "error"; error: GatewayErrorBody }
  | { type: "done" };
