import type { RouterMeta } from "./meta.js";

/** The router model, loaded: probabilities for a batch of feature rows. */
export interface RouterSession {
  /** `features` holds `rows` rows of `meta.features.dim` floats; returns rows x models probabilities. */
  run(features: Float32Array, rows: number): Promise<Float32Array>;
}

/** The slice of onnxruntime-web's API the router uses (the full build in Node, the wasm bundle in workerd). */
export interface OrtLike {
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: Record<string, unknown>,
    ): Promise<{
      run(
        feeds: Record<string, unknown>,
      ): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
    }>;
  };
  Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;
}

/**
 * Wraps an onnxruntime-web session over the exported router (input "input" [N, dim], output
 * "probabilities" [N, models]).
 *
 * @example
 * const session = await createOrtRouterSession(ort, new Uint8Array(bytes), meta);
 * const probs = await session.run(extractFeatures(text), 1);
 */
export async function createOrtRouterSession(
  ort: OrtLike,
  model: Uint8Array,
  meta: RouterMeta,
): Promise<RouterSession> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const { input, output } = meta.onnx;
  const dim = meta.features.dim;
  const width = meta.models.length;
  return {
    async run(features, rows) {
      const result = await session.run({ [input]: new ort.Tensor("float32", features, [rows, dim]) });
      const out = result[output];
      if (!out || !(out.data instanceof Float32Array) || out.data.length !== rows * width) {
        throw new Error(`router model output "${output}" has an unexpected shape`);
      }
      return out.data;
    },
  };
}
