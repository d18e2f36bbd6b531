import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadEdgeConfig } from "../../../edge/src/config/index.js";
import type { RouterMeta } from "../../../edge/src/routing/classifier/meta.js";

/** The default local deployment's roster: every production model, in cascade order. */
export const ROSTER = loadEdgeConfig({}).roster;

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
  /** The default lambda the Python side decided with. */
  lambda: number;
  models: string[];
  rows: { prompt: string; quality: number[]; model: string; confidence: number }[];
}

export const readParity = (): ParitySample => JSON.parse(readFileSync(PARITY_FILE, "utf8")) as ParitySample;
export const readShippedMeta = (): RouterMeta =>
  JSON.parse(readFileSync(resolve(SHIPPED_MODEL_DIR, "router.meta.json"), "utf8")) as RouterMeta;
