import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RouterMeta } from "../../../edge/src/routing/classifier/meta.js";

/** The model the worker bundles, and the Python side's decisions recorded when it was trained. */
export const SHIPPED_MODEL_DIR = resolve(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "edge",
  "src",
  "routing",
  "model",
);
export const PARITY_FILE = resolve(import.meta.dirname, "..", "..", "artifacts", "router", "parity.json");

export interface ParitySample {
  onnx_sha256: string;
  threshold: number;
  models: string[];
  rows: { prompt: string; raw: number[]; calibrated: number[]; model: string; confidence: number }[];
}

export const readParity = (): ParitySample => JSON.parse(readFileSync(PARITY_FILE, "utf8")) as ParitySample;
export const readShippedMeta = (): RouterMeta =>
  JSON.parse(readFileSync(resolve(SHIPPED_MODEL_DIR, "router.meta.json"), "utf8")) as RouterMeta;
