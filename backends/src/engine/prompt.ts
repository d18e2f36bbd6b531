import {
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
import type { ChatMessage } from "../api/schemas.js";
import { messageText } from "../api/schemas.js";

/** Prompt ready for generation; `promptTokens` counts what the model evaluates (BOS included). */
export interface PreparedPrompt {
  /** Tokens to pass to LlamaCompletion, which prepends BOS itself when the model wants one. */
  tokens: Token[];
  promptTokens: number;
  /** Text that ends a turn in this prompt format (chat template turn markers, flattened role prefixes). */
  stopTriggers: (string | LlamaText)[];
  /** The text the prompt was built from, for hashing in logs. */
  sourceText: string;
}

const FLATTENED_ROLE = {
  system: "System",
  developer: "System",
  user: "User",
  assistant: "Assistant",
} as const;

/**
 * Turns request input into tokens. Models with a chat template use node-llama-cpp's chat wrapper
 * (Jinja template or a built-in wrapper); raw models (stories260K) get messages flattened into plain text:
 * a lone user message as-is, otherwise "Role: text" lines ending in "Assistant:".
 *
 * @example const prompts = new PromptBuilder(model, "raw"); prompts.fromChat([{ role: "user", content: "Once upon a time" }]);
 */
export class PromptBuilder {
  readonly #model: LlamaModel;
  readonly #chatWrapper: ChatWrapper | null;
  readonly #bosTokens: number;

  constructor(model: LlamaModel, promptFormat: "chat-template" | "raw") {
    this.#model = model;
    this.#chatWrapper = promptFormat === "chat-template" ? resolveChatWrapper(model) : null;
    this.#bosTokens = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? 1 : 0;
  }

  /** Name of the chat wrapper in use, or "raw". */
  get format(): string {
    return this.#chatWrapper?.wrapperName ?? "raw";
  }

  fromText(text: string): PreparedPrompt {
    // Special-token syntax in user text stays plain text: prompts cannot inject control tokens.
    const tokens = this.#model.tokenize(text, false, this.#bosTokens ? "trimLeadingSpace" : undefined);
    return { tokens, promptTokens: tokens.length + this.#bosTokens, stopTriggers: [], sourceText: text };
  }

  fromChat(messages: ChatMessage[]): PreparedPrompt {
    const sourceText = messages.map((m) => `${m.role}\n${messageText(m)}`).join("\n");
    if (!this.#chatWrapper) {
      const only = messages.length === 1 && messages[0]?.role === "user" ? messages[0] : undefined;
      if (only) return { ...this.fromText(messageText(only)), sourceText };
      const text = `${messages.map((m) => `${FLATTENED_ROLE[m.role]}: ${messageText(m)}`).join("\n")}\nAssistant:`;
      return { ...this.fromText(text), stopTriggers: ["\nUser:", "\nSystem:"], sourceText };
    }
    const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
      const text = messageText(m);
      if (m.role === "assistant") return { type: "model", response: [text] };
      if (m.role === "user") return { type: "user", text };
      return { type: "system", text };
    });
    history.push({ type: "model", response: [] });
    const state = this.#chatWrapper.generateContextState({ chatHistory: history });
    let tokens = state.contextText.tokenize(this.#model.tokenizer);
    // LlamaCompletion prepends BOS on its own; drop the template's so it is not doubled.
    if (this.#bosTokens && tokens[0] === this.#model.tokens.bos) tokens = tokens.slice(1);
    return {
      tokens,
      promptTokens: tokens.length + this.#bosTokens,
      stopTriggers: state.stopGenerationTriggers,
      sourceText,
    };
  }
}
