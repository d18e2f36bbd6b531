import { existsSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { findModel, loadCatalogue } from "./load.js";
import { sourceUrl } from "./paths.js";
import type { Catalogue, CatalogueModel, DevModel, GgufSource, QuantKey } from "./schema.js";

/** What a model server needs to load one model. */
export interface ResolvedModel {
  /** The id the server announces (the production id, also when a dev stand-in is loaded). */
  id: string;
  /** Absolute path of the GGUF file. */
  path: string;
  contextLength: number;
  /**
   * The catalogue's declared prompt format, or null for a .gguf path outside the catalogue. The
   * server decides from the GGUF's own chat template (see choosePromptFormat); this is the check.
   */
  promptFormat: "chat-template" | "raw" | null;
  /** Expected sha256, or null when unknown (an ad-hoc path, or an unverified production file). */
  sha256: string | null;
  /** True when `id` is a production id served by a tiny dev GGUF. */
  isDevStandIn: boolean;
}

export interface ResolveModelOptions {
  modelDir: string;
  /** Serve dev stand-ins under production ids (SWITCHYARD_DEV=1). */
  dev: boolean;
  /** Production quant; defaults to the entry's defaultQuant. Ignored for dev files. */
  quant?: "q4" | "q8";
  /**
   * With `dev`, serve this dev entry under production ids instead of each entry's devStandIn
   * (e.g. "stories260k" where only speed matters).
   */
  standIn?: string;
}

/** Context length assumed for a .gguf path that is not a catalogue file. */
export const FALLBACK_CONTEXT_LENGTH = 4096;

function isPathLike(idOrPath: string): boolean {
  return idOrPath.endsWith(".gguf") || idOrPath.includes("/") || idOrPath.includes("\\");
}

function sourceOf(model: CatalogueModel, quant: QuantKey): GgufSource | undefined {
  return (model.sources as Partial<Record<QuantKey, GgufSource>>)[quant];
}

/** The message that tells a user how to get a missing catalogue file. */
export function missingFileMessage(
  id: string,
  quant: QuantKey,
  source: GgufSource,
  target: string,
  modelDir: string,
): string {
  const hash = source.sha256
    ? `expected sha256 ${source.sha256}`
    : "sha256 not yet recorded in the catalogue";
  return [
    `Model file for "${id}" (${quant}, ${source.quant}) not found at ${target}.`,
    `Download it with: npm run models -- pull ${id} --quant ${quant} --dir ${modelDir}`,
    `or place it by hand: fetch ${sourceUrl(source.uri)} and save it as ${target} (${hash}).`,
  ].join("\n");
}

function requireFile(path: string, describe: () => string): void {
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(describe());
}

function resolvePath(path: string, catalogue: Catalogue): ResolvedModel {
  const absolute = resolve(path);
  requireFile(
    absolute,
    () => `Model file not found: ${absolute} (pass a catalogue id or an existing .gguf file)`,
  );
  const file = basename(absolute);
  const id = basename(file, extname(file));
  // A path to a known catalogue file inherits that entry's metadata (e.g. stories260K's 512-token context).
  for (const model of catalogue.models) {
    for (const source of Object.values(model.sources) as GgufSource[]) {
      if (source.file === file) {
        return {
          id,
          path: absolute,
          contextLength: model.contextLength,
          promptFormat: model.promptFormat,
          sha256: source.sha256,
          isDevStandIn: false,
        };
      }
    }
  }
  return {
    id,
    path: absolute,
    contextLength: FALLBACK_CONTEXT_LENGTH,
    promptFormat: null,
    sha256: null,
    isDevStandIn: false,
  };
}

function resolveDevFile(model: DevModel, modelDir: string, servedAs: string): ResolvedModel {
  const source = sourceOf(model, model.defaultQuant);
  if (!source) throw new Error(`Catalogue entry "${model.id}" has no ${model.defaultQuant} source`);
  const path = join(modelDir, source.file);
  requireFile(path, () => missingFileMessage(model.id, model.defaultQuant, source, path, modelDir));
  return {
    id: servedAs,
    path,
    contextLength: model.contextLength,
    promptFormat: model.promptFormat,
    sha256: source.sha256,
    isDevStandIn: servedAs !== model.id,
  };
}

/**
 * Resolves a catalogue id or a .gguf path to the file a server loads.
 * With `dev: true` a production id resolves to its tiny dev stand-in in `modelDir`.
 * Throws an Error that says how to get the file when it is unknown or missing.
 *
 * @example resolveModel("qwen2.5-7b-instruct", { modelDir: defaultModelDir(), dev: true })
 *   // { id: "qwen2.5-7b-instruct", path: ".../stories260K.gguf", isDevStandIn: true, ... }
 */
export function resolveModel(
  idOrPath: string,
  opts: ResolveModelOptions,
  catalogue: Catalogue = loadCatalogue(),
): ResolvedModel {
  const model = findModel(idOrPath, catalogue);
  if (!model) {
    if (isPathLike(idOrPath)) return resolvePath(idOrPath, catalogue);
    const known = catalogue.models.map((m) => m.id).join(", ");
    throw new Error(`Unknown model "${idOrPath}": use one of ${known}, or a path to a .gguf file`);
  }
  const modelDir = resolve(opts.modelDir);
  if (model.kind === "dev") return resolveDevFile(model, modelDir, model.id);
  if (opts.dev) {
    const standInId = opts.standIn ?? model.devStandIn.model;
    const standIn = findModel(standInId, catalogue);
    if (standIn?.kind !== "dev")
      throw new Error(`Dev stand-in "${standInId}" of "${model.id}" is not a dev entry`);
    return resolveDevFile(standIn, modelDir, model.id);
  }
  const quant = opts.quant ?? model.defaultQuant;
  const source = model.sources[quant];
  const path = join(modelDir, source.file);
  requireFile(path, () => missingFileMessage(model.id, quant, source, path, modelDir));
  return {
    id: model.id,
    path,
    contextLength: model.contextLength,
    promptFormat: model.promptFormat,
    sha256: source.sha256,
    isDevStandIn: false,
  };
}
