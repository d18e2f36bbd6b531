import { randomUUID } from "node:crypto";
import {
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type Llama,
  LlamaChat,
  LlamaCompletion,
  type LlamaContextSequence,
  type LlamaModel,
  LlamaText,
  type Token,
} from "node-llama-cpp";
import { ApiError } from "../api/errors.js";
import type { ChatMessage, Tool, ToolChoice } from "../api/schemas.js";
import { toGrammarSchema } from "./json-schema-grammar.js";
import { toChatHistory } from "./prompt.js";

/** One tool call the model made, in OpenAI's terms (arguments as JSON text). */
export interface GeneratedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A streamed piece of a tool call: the first one of a call has id and name. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments: string;
}

/**
 * How a request uses tools. `auto`: the model decides, through node-llama-cpp's function calling
 * (the chat wrapper's tool syntax, arguments under a grammar). `forced` (`required` or a named
 * function): exactly one call, the name chosen among `names` and the arguments generated under
 * the grammar of that function's schema, so the call always parses and matches the schema.
 */
export interface ToolPlan {
  mode: "auto" | "forced";
  functions: ChatModelFunctions;
  /** Functions a forced call may pick from (one when named). */
  names: string[];
  /** parallel_tool_calls: false allows one call per reply. */
  maxParallelCalls: number | undefined;
  /** The conversation as chat history, for node-llama-cpp's chat (auto mode). */
  history: ChatHistoryItem[];
  /** The last message is assistant text to continue (a prefill). */
  continuesLastTurn: boolean;
}

const isPrefill = (messages: ChatMessage[]) => {
  const last = messages.at(-1);
  return messages.length > 1 && last?.role === "assistant" && !last.tool_calls?.length;
};

const newCallId = () => `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`;

/**
 * The tool plan of a chat request, or null when no tool may be called (no tools, or
 * tool_choice "none": then tools are neither documented nor callable). Invalid combinations
 * are 400s naming the field.
 *
 * @example planTools({ tools, tool_choice: "required", parallel_tool_calls: null }, messages, true)
 */
export function planTools(
  body: { tools?: Tool[] | null; tool_choice?: ToolChoice | null; parallel_tool_calls?: boolean | null },
  messages: ChatMessage[],
  hasChatTemplate: boolean,
): ToolPlan | null {
  const tools = body.tools ?? [];
  const choice = body.tool_choice ?? (tools.length ? "auto" : "none");
  if (choice !== "none" && tools.length === 0)
    throw new ApiError("invalid_request", "tool_choice needs tools", { param: "tool_choice" });
  if (choice === "none") return null;
  if (!hasChatTemplate)
    throw new ApiError(
      "unsupported_parameter",
      "this model has no chat template, and tool calling needs one: use a chat model",
      { param: "tools" },
    );
  const names = new Set<string>();
  const functions: Record<string, { description?: string; params?: ReturnType<typeof toGrammarSchema> }> = {};
  tools.forEach((tool, i) => {
    const { name, description, parameters } = tool.function;
    if (names.has(name))
      throw new ApiError("invalid_request", `two tools are named '${name}'`, {
        param: `tools[${i}].function.name`,
      });
    names.add(name);
    functions[name] = {
      ...(description ? { description } : {}),
      ...(parameters ? { params: toGrammarSchema(parameters, `tools[${i}].function.parameters`) } : {}),
    };
  });
  let forcedNames: string[] = [...names];
  if (typeof choice === "object") {
    if (!names.has(choice.function.name))
      throw new ApiError(
        "invalid_request",
        `tool_choice names '${choice.function.name}', which is not in tools`,
        {
          param: "tool_choice",
        },
      );
    forcedNames = [choice.function.name];
  }
  return {
    mode: choice === "auto" ? "auto" : "forced",
    functions,
    names: forcedNames,
    maxParallelCalls: body.parallel_tool_calls === false ? 1 : undefined,
    history: toChatHistory(messages),
    continuesLastTurn: isPrefill(messages),
  };
}

/** What a tool generation needs from the runtime. */
export interface ToolGenerationContext {
  llama: Llama;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  chatWrapper: ChatWrapper;
  /** Prompt with the tools documented (see PromptBuilder.fromChat). */
  promptTokens: Token[];
  maxTokens: number;
  stop: string[];
  /** Sampling options (node-llama-cpp names), without a grammar. */
  sampling: Record<string, unknown>;
  signal: AbortSignal;
  onToken: (tokens: Token[]) => void;
  onText?: ((text: string) => void) | undefined;
  onToolCall?: ((delta: ToolCallDelta) => void) | undefined;
}

export interface ToolGenerationOutput {
  text: string;
  toolCalls: GeneratedToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
}

/** `auto`: node-llama-cpp's chat with function calling; calls are detected in the wrapper's syntax. */
export async function generateAuto(
  plan: ToolPlan,
  ctx: ToolGenerationContext,
): Promise<ToolGenerationOutput> {
  const chat = new LlamaChat({ contextSequence: ctx.sequence, chatWrapper: ctx.chatWrapper });
  const calls: GeneratedToolCall[] = [];
  try {
    // A trailing assistant text is a prefill the model continues; otherwise a new turn opens.
    const history: ChatHistoryItem[] = plan.continuesLastTurn
      ? plan.history
      : [...plan.history, { type: "model", response: [] }];
    const result = await chat.generateResponse(history, {
      ...ctx.sampling,
      signal: ctx.signal,
      maxTokens: ctx.maxTokens,
      customStopTriggers: ctx.stop,
      functions: plan.functions,
      documentFunctionParams: true,
      ...(plan.maxParallelCalls !== undefined ? { maxParallelFunctionCalls: plan.maxParallelCalls } : {}),
      onToken: ctx.onToken,
      ...(ctx.onText ? { onTextChunk: ctx.onText } : {}),
      onFunctionCallParamsChunk: (chunk) => {
        let call = calls[chunk.callIndex];
        if (!call) {
          call = { id: newCallId(), name: chunk.functionName, arguments: "" };
          calls[chunk.callIndex] = call;
          ctx.onToolCall?.({ index: chunk.callIndex, id: call.id, name: call.name, arguments: "" });
        }
        if (chunk.paramsChunk) {
          call.arguments += chunk.paramsChunk;
          ctx.onToolCall?.({ index: chunk.callIndex, arguments: chunk.paramsChunk });
        }
      },
    });
    // Functions without parameters stream no parameter chunks: report them from the result.
    (result.functionCalls ?? []).forEach((fc, index) => {
      if (calls[index]) return;
      const call = { id: newCallId(), name: fc.functionName, arguments: JSON.stringify(fc.params ?? {}) };
      calls[index] = call;
      ctx.onToolCall?.({ index, id: call.id, name: call.name, arguments: call.arguments });
    });
    const stop = result.metadata.stopReason;
    return {
      text: result.response,
      toolCalls: calls,
      finishReason: calls.length > 0 ? "tool_calls" : stop === "maxTokens" ? "length" : "stop",
    };
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/**
 * `forced`: the reply is the wrapper's own call syntax, written for the model up to the name
 * (chosen under a grammar of the allowed names when there are several), then the arguments
 * generated under the function's JSON-schema grammar.
 */
export async function generateForced(
  plan: ToolPlan,
  ctx: ToolGenerationContext,
): Promise<ToolGenerationOutput> {
  const call = ctx.chatWrapper.settings.functions.call;
  const tokens = (text: LlamaText | string) => LlamaText(text).tokenize(ctx.model.tokenizer);
  const completion = new LlamaCompletion({ contextSequence: ctx.sequence });
  try {
    let spent = 0;
    const onToken = (t: Token[]) => {
      spent += t.length;
      ctx.onToken(t);
    };
    const head = [...ctx.promptTokens, ...tokens(call.prefix)];
    let name = plan.names[0] as string;
    if (plan.names.length > 1) {
      const grammar = await ctx.llama.createGrammar({
        grammar: `root ::= ${plan.names.map((n) => JSON.stringify(n)).join(" | ")}`,
      });
      const chosen = await completion.generateCompletionWithMeta(head, {
        ...ctx.sampling,
        grammar,
        signal: ctx.signal,
        maxTokens: Math.min(ctx.maxTokens, 64),
        onToken,
      });
      name = plan.names.find((n) => n === chosen.response.trim()) ?? name;
    }
    const id = newCallId();
    const params = plan.functions[name]?.params;
    if (!params) {
      // A function without parameters takes none: nothing to generate.
      ctx.onToolCall?.({ index: 0, id, name, arguments: "{}" });
      return { text: "", toolCalls: [{ id, name, arguments: "{}" }], finishReason: "tool_calls" };
    }
    ctx.onToolCall?.({ index: 0, id, name, arguments: "" });
    const schema = params;
    const grammar = await ctx.llama.createGrammarForJsonSchema(schema as never);
    const args = await completion.generateCompletionWithMeta(
      [...head, ...tokens(name), ...tokens(LlamaText(call.paramsPrefix))],
      {
        ...ctx.sampling,
        grammar,
        signal: ctx.signal,
        maxTokens: Math.max(1, ctx.maxTokens - spent),
        onToken,
        onTextChunk: (text) => ctx.onToolCall?.({ index: 0, arguments: text }),
      },
    );
    let complete = args.metadata.stopReason !== "maxTokens";
    try {
      JSON.parse(args.response);
    } catch {
      complete = false;
    }
    return {
      text: "",
      toolCalls: [{ id, name, arguments: args.response }],
      finishReason: complete ? "tool_calls" : "length",
    };
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
