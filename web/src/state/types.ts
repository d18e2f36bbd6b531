import type { FailureKind } from "../api/errors";
import type { RouteInfo, TokenUsage } from "../api/types";

/** How a reply ended (or that it has not yet). */
export type ReplyStatus = "streaming" | "done" | "stopped" | "error";

/** Measured by the browser for one reply. */
export interface ReplyTiming {
  /** Milliseconds from sending to the first token. */
  ttftMs?: number;
  /** Milliseconds from sending to the end of the stream. */
  totalMs?: number;
  /** Content chunks received (a stand-in for tokens when the gateway sends no usage). */
  chunks: number;
}

export interface ReplyFailure {
  kind: FailureKind;
  message: string;
  retryAfterSeconds?: number;
  /** Wall-clock time (ms) after which a retry makes sense. */
  retryAt?: number;
}

export interface UserMessage {
  id: string;
  role: "user";
  content: string;
}

export interface AssistantMessage {
  id: string;
  role: "assistant";
  content: string;
  status: ReplyStatus;
  /** The model the user asked for ("auto" or an id). */
  requestedModel: string;
  route?: RouteInfo;
  usage?: TokenUsage;
  timing?: ReplyTiming;
  failure?: ReplyFailure;
}

export type ChatMessage = UserMessage | AssistantMessage;

export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messages: ChatMessage[];
}

export type Theme = "system" | "light" | "dark";

/** What the user chose for the next request. */
export interface ChatSettings {
  model: string;
  systemPrompt: string;
  temperature: number;
  maxTokens: number;
  theme: Theme;
}

export const defaultSettings: ChatSettings = {
  model: "auto",
  systemPrompt: "",
  temperature: 0.7,
  maxTokens: 256,
  theme: "system",
};

export const settingLimits = {
  temperature: { min: 0, max: 2, step: 0.1 },
  maxTokens: { min: 1, max: 4096, step: 1 },
} as const;
