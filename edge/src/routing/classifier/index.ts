/** The learned routing policy (LightGBM exported to ONNX, run with onnxruntime-web). */

export { chooseModelIndex, lambdaForLoss, requestCosts } from "./decide.js";
export type { RouterMeta } from "./meta.js";
export {
  type ClassifierPolicyOptions,
  createClassifierPolicy,
  type LoadedRouter,
} from "./policy.js";
export { createOrtRouterSession, type OrtLike, type RouterSession } from "./session.js";
