import { ApiError } from "../api/errors.js";
import type { GenerationParams, ModelRuntime } from "../engine/model-runtime.js";

/** OpenAI's defaults: temperature 1, top_p 1. */
export const DEFAULT_TEMPERATURE = 1;
export const DEFAULT_TOP_P = 1;

interface SamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  logit_bias?: Record<string, number> | null;
}

/** Request sampling fields -> GenerationParams, with OpenAI defaults. */
export function generationParams(body: SamplingFields, maxTokens: number): GenerationParams {
  return {
    maxTokens,
    temperature: body.temperature ?? DEFAULT_TEMPERATURE,
    topP: body.top_p ?? DEFAULT_TOP_P,
    ...(body.seed != null ? { seed: body.seed } : {}),
    stop: typeof body.stop === "string" ? [body.stop] : (body.stop ?? []),
    ...(body.presence_penalty ? { presencePenalty: body.presence_penalty } : {}),
    ...(body.frequency_penalty ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...(body.top_k != null ? { topK: body.top_k } : {}),
    ...(body.min_p != null ? { minP: body.min_p } : {}),
    ...(body.logit_bias ? { logitBias: body.logit_bias } : {}),
  };
}

/** A request naming another model than the one served is a 404, as with OpenAI. */
export function assertServedModel(runtime: ModelRuntime, requested: string | undefined): void {
  runtime.assertAccepting();
  const served = runtime.loaded?.id;
  if (requested !== undefined && requested !== served) {
    throw new ApiError(
      "model_not_found",
      `The model '${requested}' does not exist on this server (it serves '${served}')`,
      { param: "model" },
    );
  }
}
