import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-web/wasm";
import type { RouterMeta } from "../../edge/src/routing/classifier/meta.js";
import {
  createOrtRouterSession,
  type OrtLike,
  type RouterSession,
} from "../../edge/src/routing/classifier/session.js";

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

/** Reads DIR/router.meta.json. */
export function readRouterMeta(dir: string): RouterMeta {
  return JSON.parse(readFileSync(join(dir, "router.meta.json"), "utf8")) as RouterMeta;
}

/** Loads DIR/router.onnx with onnxruntime-web (wasm backend) in Node: the same runtime as the worker. */
export async function loadNodeRouterSession(dir: string, meta: RouterMeta): Promise<RouterSession> {
  const bytes = new Uint8Array(readFileSync(join(dir, "router.onnx")));
  return createOrtRouterSession(ort as unknown as OrtLike, bytes, meta);
}
