/** The metadata file shipped beside router.onnx (router.meta.json), written by classifier/python/train.py. */
export interface RouterMeta {
  format: "switchyard-router/1";
  /** "per-model": one binary success predictor per model; "multiclass": P(model is the best cheap pick). */
  kind: "per-model" | "multiclass";
  /** Model ids, in the order of the ONNX output's columns. */
  models: string[];
  features: { spec_version: string; dim: number };
  onnx: { input: string; output: string };
  /** Platt scaling per output column: p' = sigmoid(a * logit(p) + b). */
  calibration: { a: number; b: number }[];
  policy: {
    rule: "cheapest-above-threshold";
    /** The knob: route to the cheapest model whose calibrated success probability is >= threshold. */
    threshold: number;
  };
  /** USD per million tokens, used for per-request cost (prompt tokens estimated, output assumed). */
  prices: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;
  assumed_output_tokens: number;
  /** Size/quality order, small to large, for the fallback cascade. */
  cascade: string[];
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}
