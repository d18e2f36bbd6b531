import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sha256File } from "./checksum.js";
import type { Catalogue, CatalogueModel, GgufSource, QuantKey } from "./schema.js";

/** One catalogue file (model x quant) and where it should live in the model directory. */
export interface CatalogueFile {
  model: CatalogueModel;
  quant: QuantKey;
  source: GgufSource;
  path: string;
  /** Production ids this file stands in for when SWITCHYARD_DEV=1. */
  standInFor: string[];
}

/** What was found on disk for a catalogue file. */
export type FileState =
  | { status: "missing" }
  /** Present, not hashed (too big for `list`): run `verify`. */
  | { status: "present"; sizeBytes: number; sizeMatches: boolean | null }
  | { status: "verified"; sizeBytes: number; sha256: string }
  | { status: "mismatch"; sizeBytes: number; sha256: string; expected: string }
  /** Present and hashed, but the catalogue has no sha256 to compare with (verifyOnPull "record"). */
  | { status: "unrecorded"; sizeBytes: number; sha256: string };

export interface SelectOptions {
  ids?: string[];
  quant?: "q4" | "q8";
}

/**
 * The catalogue files matching ids/quant, in catalogue order. Throws on an unknown id.
 * A production quant filter does not hide dev files (they have a single file each).
 *
 * @example selectFiles(loadCatalogue(), "/models", { ids: ["stories260k"] })
 */
export function selectFiles(
  catalogue: Catalogue,
  modelDir: string,
  opts: SelectOptions = {},
): CatalogueFile[] {
  const known = new Set(catalogue.models.map((m) => m.id));
  const unknown = (opts.ids ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(`Unknown model id(s): ${unknown.join(", ")}. Known: ${[...known].join(", ")}`);
  }
  const wanted = opts.ids && opts.ids.length > 0 ? new Set(opts.ids) : undefined;
  const dir = resolve(modelDir);
  const files: CatalogueFile[] = [];
  for (const model of catalogue.models) {
    if (wanted && !wanted.has(model.id)) continue;
    const standInFor = catalogue.models.flatMap((m) =>
      m.kind === "production" && m.devStandIn.model === model.id ? [m.id] : [],
    );
    for (const [quant, source] of Object.entries(model.sources) as [QuantKey, GgufSource][]) {
      if (model.kind === "production" && opts.quant && quant !== opts.quant) continue;
      files.push({ model, quant, source, path: join(dir, source.file), standInFor });
    }
  }
  return files;
}

/**
 * Looks at one file on disk. Hashes it when `hash` is true, or when it is no
 * bigger than `hashUpToBytes` (so `list` can show dev files as verified without
 * reading multi-GB weights).
 */
export async function inspectFile(
  file: CatalogueFile,
  opts: { hash: boolean; hashUpToBytes?: number },
): Promise<FileState> {
  const info = await stat(file.path).catch(() => undefined);
  if (!info?.isFile()) return { status: "missing" };
  const sizeBytes = info.size;
  const shouldHash = opts.hash || sizeBytes <= (opts.hashUpToBytes ?? 0);
  if (!shouldHash) {
    const expected = file.source.sizeBytes;
    return { status: "present", sizeBytes, sizeMatches: expected === null ? null : expected === sizeBytes };
  }
  const sha256 = await sha256File(file.path);
  const expected = file.source.sha256;
  if (expected === null) return { status: "unrecorded", sizeBytes, sha256 };
  if (sha256 !== expected) return { status: "mismatch", sizeBytes, sha256, expected };
  return { status: "verified", sizeBytes, sha256 };
}

/** "4.36 GiB" style size for people. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]}`;
}
