/**
 * The bundled router for workerd (wrangler): onnxruntime-web's wasm bundle with its .wasm imported
 * as a compiled WebAssembly.Module (Workers forbid compiling wasm from bytes at run time) and the
 * model imported as an ArrayBuffer (wrangler.toml: [[rules]] type = "Data", globs = ["**\/*.onnx"]).
 * Recipe and pitfalls: ../shared/notes/onnx-in-workerd.md.
 */

import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import * as ort from "onnxruntime-web/wasm";
import routerMeta from "../model/router.meta.json";
import routerOnnx from "../model/router.onnx";
import type { RouterMeta } from "./meta.js";
import type { LoadedRouter } from "./policy.js";
import { createOrtRouterSession, type OrtLike } from "./session.js";

let loaded: Promise<LoadedRouter> | null = null;

/** Creates the ONNX session once per isolate; later calls share the same promise. */
export function loadBundledRouter(): Promise<LoadedRouter> {
  loaded ??= createSession(routerOnnx, routerMeta as unknown as RouterMeta);
  return loaded;
}

async function createSession(model: ArrayBuffer, meta: RouterMeta): Promise<LoadedRouter> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // Any truthy placeholder selects the bundle's embedded loader; the real module comes from the patch below.
  ort.env.wasm.wasmBinary = new Uint8Array(8);
  const original = WebAssembly.instantiate;
  // Emscripten asks to instantiate bytes; answer with the imported, precompiled module instead.
  const patched = ((source: unknown, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return original(source, imports);
    return original(ortWasm, imports).then((instance) => ({ module: ortWasm, instance }));
  }) as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = patched;
  try {
    const session = await createOrtRouterSession(ort as unknown as OrtLike, new Uint8Array(model), meta);
    return { session, meta };
  } finally {
    WebAssembly.instantiate = original;
  }
}
