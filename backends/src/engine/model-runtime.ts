import {
  type Llama,
  LlamaCompletion,
  type LlamaContextSequence,
  type LlamaGrammar,
  type Token,
  TokenBias,
} from "node-llama-cpp";
import { ApiError, type ErrorKind } from "../api/errors.js";
import type { BackendOptions } from "../config.js";
import { type LoadedModel, loadModel } from "../model/load-model.js";
import type { BackendMetrics } from "../telemetry/metrics.js";
import { type PreparedPrompt, PromptBuilder } from "./prompt.js";
import { PoolClosedError, QueueFullError, type SlotLease, SlotPool } from "./slot-pool.js";
import {
  type GeneratedToolCall,
  generateAuto,
  generateForced,
  type ToolCallDelta,
  type ToolPlan,
} from "./tool-calls.js";

export type RuntimeState = "loading" | "ready" | "draining" | "stopped" | "failed";

/** Sampling settings of one generation, already defaulted and validated. */
export interface GenerationParams {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  topK?: number;
  minP?: number;
  /** OpenAI logit_bias: token id -> bias added to its logit; -100 bans it. */
  logitBias?: Record<string, number>;
  /** Output constraint (JSON schema, tool-call arguments). */
  grammar?: LlamaGrammar;
}

export interface GenerationResult {
  text: string;
  /** Calls the model made (tool requests only). */
  toolCalls?: GeneratedToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  promptTokens: number;
  completionTokens: number;
  /** From request received to first token, queue wait included. */
  ttftMs: number | null;
  /** Completion tokens over the time from slot acquired to last token (prompt evaluation included). */
  tokensPerSecond: number;
  generationMs: number;
}

/** Why a request's signal fired. */
export type AbortKind = Extract<ErrorKind, "client_closed_request" | "timeout" | "shutting_down">;

/** A request's abort signal and a way to tell which of its sources fired. */
export interface RequestSignal {
  signal: AbortSignal;
  abortKind(): AbortKind | null;
}

/** Seconds a client should wait before retrying when the queue is full or the server is loading. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The model behind a server: load, admission (slots + bounded queue), prompt preparation,
 * generation and drain. Routes turn its results into OpenAI or simple-API responses.
 *
 * @example
 * const runtime = new ModelRuntime(options, metrics); await runtime.load();
 * const prompt = runtime.prepareText("Once upon a time");
 * const lease = await runtime.acquire(signal);
 * const result = await runtime.generate(lease, prompt, { maxTokens: 32, temperature: 0, topP: 1, stop: [] }, { signal, startedAt, onText });
 */
export class ModelRuntime {
  state: RuntimeState = "loading";
  readonly #options: BackendOptions;
  readonly #metrics: BackendMetrics;
  readonly #shutdown = new AbortController();
  #loaded: LoadedModel | undefined;
  #pool: SlotPool<LlamaContextSequence> | undefined;
  #prompts: PromptBuilder | undefined;

  constructor(options: BackendOptions, metrics: BackendMetrics) {
    this.#options = options;
    this.#metrics = metrics;
    metrics.slots.set(options.parallel);
    metrics.ready.set(0);
  }

  /** Loads the model; throws ModelLoadError with a one-line message on failure. */
  async load(): Promise<LoadedModel> {
    try {
      const loaded = await loadModel(this.#options);
      this.#loaded = loaded;
      this.#prompts = new PromptBuilder(loaded.model, loaded.promptFormat);
      this.#pool = new SlotPool(loaded.sequences, {
        queueSize: this.#options.queueSize,
        onChange: (stats) => {
          this.#metrics.busySlots.set(stats.busy);
          this.#metrics.queueDepth.set(stats.waiting);
        },
      });
      if (this.state === "loading") this.state = "ready";
      this.#metrics.ready.set(this.state === "ready" ? 1 : 0);
      return loaded;
    } catch (error) {
      this.state = "failed";
      throw error;
    }
  }

  get loaded(): LoadedModel | undefined {
    return this.#loaded;
  }

  get contextSize(): number {
    return this.#loaded?.contextSize ?? 0;
  }

  get promptFormat(): string {
    return this.#prompts?.format ?? "unknown";
  }

  /** Ready for traffic: loaded, not draining, and a new request would get a slot or a queue place. */
  get isReady(): boolean {
    return this.state === "ready" && this.#pool !== undefined && !this.#pool.saturated;
  }

  get stats() {
    return this.#pool?.stats ?? { capacity: this.#options.parallel, busy: 0, waiting: 0 };
  }

  /** Throws the 503 that fits the current state when generation is not possible. */
  assertAccepting(): void {
    if (this.state === "loading") {
      throw new ApiError("model_loading", "model is loading, retry shortly", {
        headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
      });
    }
    if (this.state !== "ready") throw new ApiError("shutting_down", "server is shutting down");
  }

  prepareText(text: string): PreparedPrompt {
    this.assertAccepting();
    return (this.#prompts as PromptBuilder).fromText(text);
  }

  prepareChat(
    messages: Parameters<PromptBuilder["fromChat"]>[0],
    functions?: Parameters<PromptBuilder["fromChat"]>[1],
  ): PreparedPrompt {
    this.assertAccepting();
    return (this.#prompts as PromptBuilder).fromChat(messages, functions);
  }

  /** Whether the model has a chat template (tool calling needs one). */
  get hasChatTemplate(): boolean {
    return this.#prompts?.hasChatTemplate ?? false;
  }

  /** Creates the grammar that enforces a JSON schema (response_format); see engine/json-schema-grammar. */
  jsonGrammar(schema: Parameters<Llama["createGrammarForJsonSchema"]>[0]) {
    return (this.#loaded as LoadedModel).llama.createGrammarForJsonSchema(schema);
  }

  /**
   * Generates a reply that may call tools (see engine/tool-calls): text and tool calls, with
   * `onToolCall` receiving call pieces as they are decided. Same admission and errors as generate.
   */
  async generateWithTools(
    lease: SlotLease<LlamaContextSequence>,
    prompt: PreparedPrompt,
    plan: ToolPlan,
    params: GenerationParams,
    hooks: {
      request: RequestSignal;
      startedAt: number;
      onText?: (text: string) => void;
      onToolCall?: (delta: ToolCallDelta) => void;
    },
  ): Promise<GenerationResult> {
    const loaded = this.#loaded as LoadedModel;
    const sequence = lease.resource;
    const generationStart = performance.now();
    let completionTokens = 0;
    let firstTokenAt: number | undefined;
    const { grammar: _unused, ...sampling } = this.samplingOptions(params);
    try {
      const context = {
        llama: loaded.llama,
        model: loaded.model,
        sequence,
        chatWrapper: (this.#prompts as PromptBuilder).chatWrapper as NonNullable<
          PromptBuilder["chatWrapper"]
        >,
        promptTokens: prompt.tokens,
        maxTokens: params.maxTokens,
        stop: params.stop,
        sampling,
        signal: hooks.request.signal,
        onToken: (tokens: Token[]) => {
          firstTokenAt ??= performance.now();
          completionTokens += tokens.length;
        },
        onText: hooks.onText,
        onToolCall: hooks.onToolCall,
      };
      const out =
        plan.mode === "auto" ? await generateAuto(plan, context) : await generateForced(plan, context);
      const generationMs = performance.now() - generationStart;
      return {
        text: out.text,
        toolCalls: out.toolCalls,
        finishReason: out.finishReason,
        ...generationFigures(
          prompt.promptTokens,
          completionTokens,
          firstTokenAt,
          hooks.startedAt,
          generationMs,
        ),
      };
    } catch (error) {
      throw await generationFailure(sequence, hooks.request, error);
    }
  }

  /**
   * max_tokens for a prompt: the requested value must fit the context next to the prompt;
   * without one, whatever room is left (up to the cap).
   */
  resolveMaxTokens(
    prompt: PreparedPrompt,
    requested: number | null | undefined,
    param = "max_tokens",
  ): number {
    const room = this.contextSize - prompt.promptTokens;
    if (room <= 0 || (requested != null && requested > room)) {
      const asked = requested != null ? ` + ${requested} requested completion tokens` : "";
      throw new ApiError(
        "context_length_exceeded",
        `This model's maximum context length is ${this.contextSize} tokens; the prompt has ${prompt.promptTokens} tokens${asked}. Shorten the prompt or lower ${param}.`,
        { param: requested != null && room > 0 ? param : "prompt" },
      );
    }
    return Math.min(requested ?? room, room, this.#options.maxTokensCap);
  }

  /**
   * The request's signal: client disconnect, per-request timeout, or shutdown after the drain timeout.
   */
  requestSignal(clientSignal: AbortSignal): RequestSignal {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = AbortSignal.any([clientSignal, timeout, this.#shutdown.signal]);
    return {
      signal,
      abortKind: () => {
        if (!signal.aborted) return null;
        if (this.#shutdown.signal.aborted) return "shutting_down";
        if (timeout.aborted) return "timeout";
        return "client_closed_request";
      },
    };
  }

  /** Waits for a free sequence; 429 + Retry-After when the queue is full, 503 when draining. */
  async acquire(request: RequestSignal): Promise<SlotLease<LlamaContextSequence>> {
    this.assertAccepting();
    try {
      return await (this.#pool as SlotPool<LlamaContextSequence>).acquire(request.signal);
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new ApiError("queue_full", `server busy: ${error.message}; retry later`, {
          headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
        });
      }
      if (error instanceof PoolClosedError) throw new ApiError("shutting_down", "server is shutting down");
      throw abortError(request) ?? error;
    }
  }

  /** Generates on a leased sequence; `onText` receives chunks as they are decided (stop triggers held back). */
  async generate(
    lease: SlotLease<LlamaContextSequence>,
    prompt: PreparedPrompt,
    params: GenerationParams,
    hooks: { request: RequestSignal; startedAt: number; onText?: (text: string) => void },
  ): Promise<GenerationResult> {
    const sequence = lease.resource;
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const generationStart = performance.now();
    let completionTokens = 0;
    let firstTokenAt: number | undefined;
    const continued = this.#continuedText(prompt);
    try {
      const { response, metadata } = await completion.generateCompletionWithMeta(prompt.tokens, {
        signal: hooks.request.signal,
        maxTokens: params.maxTokens,
        ...this.samplingOptions(params),
        customStopTriggers: [...prompt.stopTriggers, ...params.stop],
        // The prompt was checked to fit with max_tokens; never silently drop the start of it.
        disableContextShift: true,
        contextShiftSize: 0,
        onToken: (tokens) => {
          firstTokenAt ??= performance.now();
          completionTokens += tokens.length;
          continued?.onToken(tokens);
        },
        ...(hooks.onText ? { onTextChunk: continued ? continued.onText(hooks.onText) : hooks.onText } : {}),
      });
      const end = performance.now();
      const generationMs = end - generationStart;
      return {
        text: continued ? continued.text() : response,
        finishReason: metadata.stopReason === "maxTokens" ? "length" : "stop",
        ...generationFigures(
          prompt.promptTokens,
          completionTokens,
          firstTokenAt,
          hooks.startedAt,
          generationMs,
        ),
      };
    } catch (error) {
      throw await generationFailure(sequence, hooks.request, error);
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }

  /**
   * node-llama-cpp sampling options of a generation (shared by every generation path).
   * An invalid logit_bias token id is a 400 naming logit_bias.
   */
  samplingOptions(params: GenerationParams) {
    const penalties = params.presencePenalty || params.frequencyPenalty;
    return {
      temperature: params.temperature,
      topP: params.topP,
      ...(params.topK !== undefined ? { topK: params.topK } : {}),
      ...(params.minP !== undefined ? { minP: params.minP } : {}),
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
      ...(params.logitBias && Object.keys(params.logitBias).length > 0
        ? { tokenBias: this.#tokenBias(params.logitBias) }
        : {}),
      ...(params.grammar ? { grammar: params.grammar } : {}),
      repeatPenalty: penalties
        ? {
            penalty: 1,
            presencePenalty: params.presencePenalty ?? 0,
            frequencyPenalty: params.frequencyPenalty ?? 0,
          }
        : (false as const),
    };
  }

  #tokenBias(logitBias: Record<string, number>): TokenBias {
    const model = (this.#loaded as LoadedModel).model;
    const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? Number.POSITIVE_INFINITY;
    const bias = new TokenBias(model.tokenizer);
    for (const [key, value] of Object.entries(logitBias)) {
      const token = Number(key) as Token;
      if (!Number.isSafeInteger(token) || token < 0 || token >= vocabulary)
        throw new ApiError("invalid_request", `logit_bias: ${key} is not a token id of this model`, {
          param: "logit_bias",
        });
      if (model.isEogToken(token))
        throw new ApiError(
          "unsupported_parameter",
          `logit_bias: ${key} ends generation and cannot be biased`,
          {
            param: "logit_bias",
          },
        );
      bias.set(token, value <= -100 ? "never" : { logit: value });
    }
    return bias;
  }

  /**
   * For a prompt that ends in an assistant prefill: node-llama-cpp detokenizes the generated
   * tokens without the prompt before them, which drops the leading space of the first one
   * (" to" becomes "to", so "She loved" + "to play"). Detokenized after the prompt's last
   * tokens, the continuation joins the prefix exactly. Null for any other prompt.
   */
  #continuedText(prompt: PreparedPrompt) {
    const model = this.#loaded?.model;
    if (prompt.prefillTokens === 0 || !model) return null;
    const context = prompt.tokens.slice(-8);
    const generated: Token[] = [];
    let batch: Token[] = [];
    return {
      onToken(tokens: Token[]) {
        batch = tokens;
        generated.push(...tokens);
      },
      onText(forward: (text: string) => void) {
        let first = true;
        return (text: string) => {
          if (first && batch.length > 0) text = model.detokenize(batch, false, context);
          first = false;
          forward(text);
        };
      },
      text: () => model.detokenize(generated, false, context),
    };
  }

  /**
   * Stops admitting, rejects queued requests, lets in-flight generations finish for up to
   * `drainTimeoutMs`, then aborts the rest (their clients get an error) and frees the model.
   */
  async drain(drainTimeoutMs: number): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "draining";
    this.#metrics.ready.set(0);
    const pool = this.#pool;
    if (pool) {
      pool.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), drainTimeoutMs);
      });
      if ((await Promise.race([pool.idle(), timedOut])) === "timeout") {
        this.#shutdown.abort(new Error("server is shutting down"));
        await pool.idle();
      }
      clearTimeout(timer);
    }
    this.state = "stopped";
    await this.#loaded?.dispose();
  }
}

function abortError(request: RequestSignal): ApiError | null {
  const kind = request.abortKind();
  if (kind === "timeout") return new ApiError("timeout", "request timed out");
  if (kind === "shutting_down")
    return new ApiError("shutting_down", "server is shutting down: generation cancelled");
  if (kind === "client_closed_request") return new ApiError("client_closed_request", "client disconnected");
  return null;
}

/** Token counts and speed of one finished generation, as every route reports them. */
function generationFigures(
  promptTokens: number,
  completionTokens: number,
  firstTokenAt: number | undefined,
  startedAt: number,
  generationMs: number,
) {
  return {
    promptTokens,
    completionTokens,
    ttftMs: firstTokenAt !== undefined ? firstTokenAt - startedAt : null,
    tokensPerSecond: generationMs > 0 ? (completionTokens * 1000) / generationMs : 0,
    generationMs,
  };
}

/**
 * The error a failed generation throws: the client's abort if it went away, else generation_failed.
 * An interrupted evaluation may leave partial state behind, so the sequence starts the next request clean.
 */
async function generationFailure(
  sequence: { clearHistory(): Promise<void> },
  request: Parameters<typeof abortError>[0],
  error: unknown,
): Promise<Error> {
  await sequence.clearHistory().catch(() => {});
  return (
    abortError(request) ??
    new ApiError("generation_failed", `generation failed: ${(error as Error).message}`, { cause: error })
  );
}
