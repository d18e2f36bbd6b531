/** The metadata file shipped beside router.onnx (router.meta.json), written by classifier/python/train.py. */
export interface RouterMeta {
  format: "switchyard-router/2";
  /** One LightGBM regressor of expected quality in [0, 1] per model. */
  kind: "per-model-quality";
  /** Model ids, in the order of the ONNX output's columns. */
  models: string[];
  features: { spec_version: string; dim: number };
  onnx: { input: string; output: string };
  policy: {
    rule: "max-quality-minus-cost";
    /** The default trade-off: route to argmax quality - lambda * cost / cost_scale. */
    lambda: number;
    /** USD: the mean request cost of the most expensive model in training (makes lambda unit-free). */
    cost_scale: number;
    /** The knee of the out-of-fold curve, as a quality loss vs the best single model. */
    default_max_quality_loss: number;
    /** Out-of-fold: the lambda that keeps quality within each loss of the best single model. */
    loss_table: { max_quality_loss: number; lambda: number; cv_quality: number; cv_cost: number }[];
  };
  /** USD per million tokens, used for per-request cost (prompt tokens estimated, output assumed). */
  prices: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;
  assumed_output_tokens: number;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}
