import {
  type ChatHistoryItem,
  type ChatModelFunctionCall,
  type ChatModelFunctions,
  type ChatWrapper,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
import { promptHashText } from "../../../vocabulary/prompt-hash.js";
import { ApiError } from "../api/errors.js";
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
  /**
   * Prompt tokens that are a trailing assistant message the model continues (0 when the prompt
   * ends in a user or system turn). The edge uses it to rescue a broken stream on another backend.
   */
  prefillTokens: number;
}

const FLATTENED_ROLE = {
  system: "System",
  developer: "System",
  user: "User",
  assistant: "Assistant",
  tool: "Tool",
} as const;

/**
 * OpenAI messages as node-llama-cpp chat history. OpenAI keeps a tool call (in the assistant
 * message) apart from its result (a later `tool` message, matched by `tool_call_id`);
 * node-llama-cpp keeps both in one function-call item, which the chat wrapper renders in the
 * model's own tool syntax. A call without a result, or a result without a call, is a 400.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  messages.forEach((m, i) => {
    if (m.role !== "tool") return;
    const called = messages
      .slice(0, i)
      .some((p) => p.role === "assistant" && p.tool_calls?.some((c) => c.id === m.tool_call_id));
    if (!called)
      throw new ApiError("invalid_request", `no assistant tool call has the id '${m.tool_call_id}'`, {
        param: `messages[${i}].tool_call_id`,
      });
    results.set(m.tool_call_id, messageText(m));
  });
  const history: ChatHistoryItem[] = [];
  messages.forEach((m, i) => {
    const text = messageText(m);
    if (m.role === "tool") return;
    if (m.role === "user") history.push({ type: "user", text });
    else if (m.role === "system" || m.role === "developer") history.push({ type: "system", text });
    else {
      const calls = (m.tool_calls ?? []).map((call, j): ChatModelFunctionCall => {
        let params: unknown;
        try {
          params = JSON.parse(call.function.arguments || "{}");
        } catch {
          throw new ApiError("invalid_request", "tool call arguments must be JSON", {
            param: `messages[${i}].tool_calls[${j}].function.arguments`,
          });
        }
        if (!results.has(call.id))
          throw new ApiError(
            "invalid_request",
            `tool call '${call.id}' has no tool message with its result`,
            {
              param: `messages[${i}].tool_calls[${j}].id`,
            },
          );
        return {
          type: "functionCall",
          name: call.function.name,
          params,
          result: results.get(call.id),
          startsNewChunk: j === 0,
        };
      });
      history.push({ type: "model", response: [...(text ? [text] : []), ...calls] });
    }
  });
  return history;
}

/** The text of a message for raw models, tool calls spelled out. */
function flatText(m: ChatMessage): string {
  const calls = m.role === "assistant" ? (m.tool_calls ?? []) : [];
  return [messageText(m), ...calls.map((c) => `${c.function.name}(${c.function.arguments})`)]
    .filter(Boolean)
    .join("\n");
}

/**
 * Turns request input into tokens. Models with a chat template use node-llama-cpp's chat wrapper
 * (Jinja template or a built-in wrapper); raw models (stories260K) get messages flattened into plain text:
 * a lone user message as-is, otherwise "Role: text" lines ending in "Assistant:".
 * A trailing assistant message is a prefill: its turn is left open and the model continues it
 * (the text right after the prefix), as it would have continued its own partial answer.
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
    const tokens = this.#tokenize(text);
    return {
      tokens,
      promptTokens: tokens.length + this.#bosTokens,
      stopTriggers: [],
      sourceText: text,
      prefillTokens: 0,
    };
  }

  #tokenize(text: string): Token[] {
    return this.#model.tokenize(text, false, this.#bosTokens ? "trimLeadingSpace" : undefined);
  }

  /** Whether prompts go through a chat template (tool calling needs one). */
  get hasChatTemplate(): boolean {
    return this.#chatWrapper !== null;
  }

  get chatWrapper(): ChatWrapper | null {
    return this.#chatWrapper;
  }

  /**
   * @param functions tools the model may call: documented in the prompt by the chat wrapper.
   */
  fromChat(messages: ChatMessage[], functions?: ChatModelFunctions): PreparedPrompt {
    const sourceText = promptHashText({
      messages: messages.map((m) => ({ role: m.role, content: flatText(m) })),
    });
    const last = messages.at(-1);
    const prefill =
      last?.role === "assistant" && messages.length > 1 && !last.tool_calls?.length
        ? messageText(last)
        : null;
    const turns = prefill === null ? messages : messages.slice(0, -1);
    if (!this.#chatWrapper) {
      // Raw models: the continuation of a prompt is the text right after it.
      const only = turns.length === 1 && turns[0]?.role === "user" ? turns[0] : undefined;
      const head = only
        ? messageText(only)
        : `${turns.map((m) => `${FLATTENED_ROLE[m.role]}: ${flatText(m)}`).join("\n")}\nAssistant:`;
      const prompt = this.fromText(head + (prefill ?? ""));
      return {
        ...prompt,
        sourceText,
        stopTriggers: only ? [] : ["\nUser:", "\nSystem:"],
        prefillTokens: prefill ? Math.max(0, prompt.tokens.length - this.#tokenize(head).length) : 0,
      };
    }
    const history = toChatHistory(turns);
    // The last model item is the turn being generated: with a prefill it stays open after it.
    const open = this.#chatTokens([...history, { type: "model", response: [] }], functions);
    const full = prefill
      ? this.#chatTokens([...history, { type: "model", response: [prefill] }], functions)
      : open;
    return {
      tokens: full.tokens,
      promptTokens: full.tokens.length + this.#bosTokens,
      stopTriggers: full.stopTriggers,
      sourceText,
      prefillTokens: Math.max(0, full.tokens.length - open.tokens.length),
    };
  }

  #chatTokens(
    chatHistory: ChatHistoryItem[],
    availableFunctions?: ChatModelFunctions,
  ): {
    tokens: Token[];
    stopTriggers: PreparedPrompt["stopTriggers"];
  } {
    const state = (this.#chatWrapper as ChatWrapper).generateContextState({
      chatHistory,
      ...(availableFunctions ? { availableFunctions, documentFunctionParams: true } : {}),
    });
    let tokens = state.contextText.tokenize(this.#model.tokenizer);
    // LlamaCompletion prepends BOS on its own; drop the template's so it is not doubled.
    if (this.#bosTokens && tokens[0] === this.#model.tokens.bos) tokens = tokens.slice(1);
    return { tokens, stopTriggers: state.stopGenerationTriggers };
  }
}
