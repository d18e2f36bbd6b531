/**
 * The router's feature extractor: one source of truth for the worker (request time) and the
 * classifier CLI (training and evaluation). Pure TypeScript, no Node or Workers APIs.
 */
export {
  CHAR_HASH_BUCKETS,
  DENSE_DIM,
  DENSE_FEATURE_NAMES,
  extractFeatures,
  FEATURE_DIM,
  FEATURE_SPEC_VERSION,
  fnv1a,
  SCAN_LIMIT_CHARS,
  WORD_HASH_BUCKETS,
} from "./extract.js";
export { normalisePrompt } from "./normalise.js";
export { estimateTokens } from "./tokens.js";
