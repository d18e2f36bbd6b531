/**
 * The model catalogue: `backends/models.json`, its zod schema, and helpers to
 * resolve an id or path to a GGUF file and verify it.
 *
 * @example
 * import { defaultModelDir, resolveModel, verifySha256 } from "./catalogue/index.js";
 * const model = resolveModel("llama-3.1-8b-instruct", { modelDir: defaultModelDir(), dev: process.env.SWITCHYARD_DEV === "1" });
 * if (model.sha256 && !(await verifySha256(model.path, model.sha256))) throw new Error("checksum mismatch");
 */
export { sha256File, verifySha256 } from "./checksum.js";
export { CREATE_MODELS_TABLE, type ModelRecord, upsertModelRecords } from "./db.js";
export { type CatalogueFile, type FileState, formatBytes, inspectFile, selectFiles } from "./inventory.js";
export { findModel, loadCatalogue, parseCatalogue } from "./load.js";
export { cataloguePath, defaultModelDir, hfEndpoint, hfUriToUrl, repoRoot } from "./paths.js";
export { manualPlacementHint, type PullResult, pullFile } from "./pull.js";
export {
  FALLBACK_CONTEXT_LENGTH,
  missingFileMessage,
  type ResolvedModel,
  type ResolveModelOptions,
  resolveModel,
} from "./resolve.js";
export * from "./schema.js";
