import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import { ApiError } from "../api/errors.js";

export interface EmbedderOptions {
  threads: number;
  /** Longest input, in tokens (capped by the model's own context). */
  contextSize: number;
}

export interface Embeddings {
  vectors: number[][];
  promptTokens: number;
}

/**
 * Embeddings with node-llama-cpp's embedding context, next to the generation context of the
 * same loaded model. One context, so requests are embedded one after another (in order);
 * an input longer than the context is refused, never truncated.
 *
 * @example
 * const embedder = new Embedder({ threads: 1, contextSize: 512 }); await embedder.load(model);
 * const { vectors } = await embedder.embed(["hello"], signal);
 */
export class Embedder {
  readonly #options: EmbedderOptions;
  #context: LlamaEmbeddingContext | undefined;
  #model: LlamaModel | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: EmbedderOptions) {
    this.#options = options;
  }

  async load(model: LlamaModel): Promise<void> {
    this.#model = model;
    this.#context = await model.createEmbeddingContext({
      contextSize: Math.min(this.#options.contextSize, model.trainContextSize),
      threads: this.#options.threads,
    });
  }

  get ready(): boolean {
    return this.#context !== undefined && !this.#context.disposed;
  }

  /** Vectors for each input, in order; 400 for an input that does not fit, 503 before load. */
  async embed(inputs: string[], signal: AbortSignal): Promise<Embeddings> {
    const context = this.#context;
    const model = this.#model;
    if (!context || !model || context.disposed)
      throw new ApiError("model_loading", "the embedding context is not ready", {
        headers: { "Retry-After": "1" },
      });
    const limit = Math.min(this.#options.contextSize, model.trainContextSize);
    let promptTokens = 0;
    for (const [i, text] of inputs.entries()) {
      const tokens = model.tokenize(text).length;
      if (tokens > limit)
        throw new ApiError(
          "context_length_exceeded",
          `input[${i}] has ${tokens} tokens; this model embeds at most ${limit}`,
          { param: "input" },
        );
      promptTokens += tokens;
    }
    const run = async (): Promise<Embeddings> => {
      const vectors: number[][] = [];
      for (const text of inputs) {
        if (signal.aborted) throw new ApiError("client_closed_request", "client disconnected");
        vectors.push([...(await context.getEmbeddingFor(text)).vector]);
      }
      return { vectors, promptTokens };
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  async dispose(): Promise<void> {
    await this.#context?.dispose();
  }
}
