import { open } from "node:fs/promises";
import {
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
} from "node-llama-cpp";
import { defaultModelDir, type ResolvedModel, resolveModel, verifySha256 } from "../catalogue/index.js";
import type { BackendOptions } from "../config.js";

/** Context size used when neither the flag nor a smaller catalogue value applies. */
const DEFAULT_MAX_CONTEXT = 8192;

/** A model ready to serve: one context with `parallel` sequences. */
export interface LoadedModel {
  /** Id announced on /v1/models and in responses. */
  id: string;
  resolved: ResolvedModel;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequences: LlamaContextSequence[];
  /** Tokens per sequence (llama.cpp may round the requested size up). */
  contextSize: number;
  /** How prompts are built, and why (startup log and /ready show both). */
  promptFormat: "chat-template" | "raw";
  promptFormatSource: PromptFormatSource;
  gpu: string | false;
  dispose(): Promise<void>;
}

/** A load failure with a one-line message meant for the operator. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
}

const GGUF_MAGIC = "GGUF";

/** Why a prompt format was chosen. */
export type PromptFormatSource = "gguf chat template" | "no chat template in the gguf" | "--prompt-format";

/**
 * The prompt format for a loaded model: the flag when it forces one; otherwise the model file
 * decides: a `tokenizer.chat_template` in its metadata means chat (node-llama-cpp resolves the
 * wrapper from it), none means raw text.
 *
 * @example choosePromptFormat("auto", model) // { format: "chat-template", source: "gguf chat template" }
 */
export function choosePromptFormat(
  requested: BackendOptions["promptFormat"],
  model: Pick<LlamaModel, "fileInfo">,
): { format: "chat-template" | "raw"; source: PromptFormatSource } {
  if (requested !== "auto") return { format: requested, source: "--prompt-format" };
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  return typeof template === "string" && template.trim() !== ""
    ? { format: "chat-template", source: "gguf chat template" }
    : { format: "raw", source: "no chat template in the gguf" };
}

async function assertGguf(path: string): Promise<void> {
  const file = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new ModelLoadError(`Cannot open model file ${path}: ${error.code ?? error.message}`);
  });
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || buffer.toString("latin1") !== GGUF_MAGIC) {
      throw new ModelLoadError(`Not a GGUF file: ${path} (missing "GGUF" magic bytes)`);
    }
  } finally {
    await file.close();
  }
}

/** Resolves the model (catalogue id or path) exactly once; throws ModelLoadError with a clear message. */
export function resolveModelSource(options: BackendOptions): ResolvedModel {
  try {
    const resolved = resolveModel(options.model, {
      modelDir: options.modelDir ?? defaultModelDir(),
      dev: options.dev,
      ...(options.quant ? { quant: options.quant } : {}),
      ...(options.devStandIn ? { standIn: options.devStandIn } : {}),
    });
    return options.id ? { ...resolved, id: options.id } : resolved;
  } catch (error) {
    throw new ModelLoadError((error as Error).message.split("\n").join(" "));
  }
}

/**
 * Checks and loads the GGUF with node-llama-cpp: never builds llama.cpp at run time,
 * uses the GPU when present (unless `gpu: "off"`), and pins the thread count.
 *
 * @example const loaded = await loadModel(parseBackendOptions(["--model", "stories260k"]));
 */
export async function loadModel(options: BackendOptions): Promise<LoadedModel> {
  const resolved = resolveModelSource(options);
  await assertGguf(resolved.path);
  if (resolved.sha256 && !options.skipChecksum && !(await verifySha256(resolved.path, resolved.sha256))) {
    throw new ModelLoadError(`Checksum mismatch for ${resolved.path}: expected sha256 ${resolved.sha256}`);
  }
  let llama: Llama;
  try {
    llama = await getLlama({
      gpu: options.gpu === "off" ? false : "auto",
      build: "never",
      maxThreads: options.threads,
      logLevel: LlamaLogLevel.error,
    });
  } catch (error) {
    throw new ModelLoadError(`Cannot start llama.cpp bindings: ${(error as Error).message}`);
  }
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: resolved.path,
      gpuLayers: llama.gpu === false ? 0 : options.gpuLayers,
    });
  } catch (error) {
    throw new ModelLoadError(`Cannot load ${resolved.path}: ${(error as Error).message.split("\n")[0]}`);
  }
  const requested = options.contextSize ?? Math.min(resolved.contextLength, DEFAULT_MAX_CONTEXT);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      contextSize: requested,
      sequences: options.parallel,
      threads: options.threads,
    });
  } catch (error) {
    await model.dispose();
    throw new ModelLoadError(
      `Cannot create a ${requested}-token context for ${resolved.path}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const sequences = Array.from({ length: options.parallel }, () => context.getSequence());
  const promptFormat = choosePromptFormat(options.promptFormat, model);
  return {
    id: resolved.id,
    resolved,
    llama,
    model,
    context,
    sequences,
    contextSize: context.contextSize,
    promptFormat: promptFormat.format,
    promptFormatSource: promptFormat.source,
    gpu: llama.gpu,
    async dispose() {
      await context.dispose();
      // The Llama instance stays: getLlama() may hand the same bindings to other servers in this process.
      await model.dispose();
    },
  };
}
