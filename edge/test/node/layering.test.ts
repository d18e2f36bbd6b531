import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/**
 * The edge's layers, lowest first (docs/architecture.md). A module may import its own layer and
 * the ones before it, never one after it. Top-level folders and files of edge/src are the units.
 */
const LAYERS: string[][] = [
  ["http"],
  ["config"],
  ["state", "metrics"],
  ["log"],
  ["routing"],
  ["proxy"],
  ["routes"],
  ["middleware"],
  ["completion"],
  ["responses", "embeddings"],
  ["endpoints"],
  ["dependencies"],
  ["app", "static-assets"],
  ["index"],
];
const rank = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    const production = e.name.endsWith(".ts") && !/\.(test|fixture|d)\.ts$/.test(e.name);
    return production ? [path] : [];
  });
}

const unitOf = (path: string) => relative(SRC, path).split(sep)[0]?.replace(/\.ts$/, "") ?? "";

/** Relative specifiers of static imports, re-exports, `import("…")` types and side-effect imports. */
export function importSpecifiers(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

function upwardImports(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const fromRank = rank.get(from);
    if (fromRank === undefined) {
      found.push(`${relative(SRC, file)}: unit "${from}" has no layer`);
      continue;
    }
    for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec);
      if (relative(SRC, target).startsWith("..")) continue; // vocabulary/, the backends catalogue
      const to = unitOf(target);
      const toRank = rank.get(to);
      if (toRank === undefined || toRank > fromRank) found.push(`${relative(SRC, file)} -> ${spec}`);
    }
  }
  return found;
}

describe("edge layering", () => {
  it("finds each kind of import line", () => {
    const text = [
      'import { a } from "../routes/schemas";',
      'export { b } from "./b";',
      'type C = import("../middleware/cache/entry").CachedCompletion;',
      'import "./side-effect";',
      'import { z } from "zod";',
    ].join("\n");
    expect(importSpecifiers(text)).toEqual([
      "../routes/schemas",
      "./b",
      "../middleware/cache/entry",
      "./side-effect",
    ]);
  });

  it("no module imports a layer above its own", () => {
    expect(upwardImports()).toEqual([]);
  });
});
