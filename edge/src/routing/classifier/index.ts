/** The learned routing policy (LightGBM exported to ONNX, run with onnxruntime-web). */

export { calibrate, cascadeFrom, chooseModelIndex, requestCosts } from "./decide.js";
export type { RouterMeta } from "./meta.js";
export {
  type ClassifierPolicyOptions,
  createClassifierPolicy,
  DEFAULT_CASCADE,
  type LoadedRouter,
} from "./policy.js";
export { createOrtRouterSession, type OrtLike, type RouterSession } from "./session.js";
