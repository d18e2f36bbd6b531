import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AUTO_TEST_SHARE,
  loadRows,
  normaliseScore,
  type RoutingRow,
  scoreScale,
  selectSplit,
  trainingRows,
  withSplits,
} from "../src/data.js";

const row = (prompt: string, extra: Partial<RoutingRow> = {}): RoutingRow => ({
  prompt,
  scores: { a: 1, b: 0 },
  ...extra,
});

describe("splits of training data", () => {
  it("a file without split fields gets a deterministic held-out test split, duplicates together", () => {
    const rows = Array.from({ length: 2000 }, (_, i) => row(`prompt number ${i % 1500}`));
    const split = withSplits(rows);
    const test = split.filter((r) => r.split === "test");
    // about AUTO_TEST_SHARE of the rows (2000 draws: well within 4 standard deviations)
    expect(Math.abs(test.length / rows.length - AUTO_TEST_SHARE)).toBeLessThan(0.04);
    expect(split.every((r) => r.auto_split === true)).toBe(true);
    // the same prompt always lands on the same side, so a duplicate never straddles train and test
    const sideOf = new Map<string, string>();
    for (const r of split) {
      const seen = sideOf.get(r.prompt);
      if (seen) expect(r.split).toBe(seen);
      sideOf.set(r.prompt, r.split!);
    }
    // and train + evaluate (two separate reads) agree
    expect(withSplits(rows).map((r) => r.split)).toEqual(split.map((r) => r.split));
    // training never sees a test row, evaluation never scores a training row
    const train = new Set(trainingRows(split).map((r) => r.prompt));
    expect(selectSplit(split, "test").some((r) => train.has(r.prompt))).toBe(false);
    expect(selectSplit(split, "test").length).toBe(test.length);
  });

  it("a file that names its splits keeps them", () => {
    const rows = [row("x", { split: "train" }), row("y"), row("z", { split: "test" })];
    expect(withSplits(rows)).toBe(rows);
    expect(trainingRows(rows).map((r) => r.prompt)).toEqual(["x", "y"]);
  });

  it("clean test rows: a test prompt that also occurs in training is left out even when unflagged", () => {
    const rows = [
      row("shared", { split: "train" }),
      row("shared", { split: "test" }),
      row("flagged", { split: "test", prompt_also_in_train: true }),
      row("fresh", { split: "test" }),
    ];
    expect(selectSplit(rows, "test").map((r) => r.prompt)).toEqual(["fresh"]);
  });

  it("loadRows applies it", () => {
    const dir = mkdtempSync(join(tmpdir(), "router-data-"));
    try {
      const file = join(dir, "d.jsonl");
      writeFileSync(
        file,
        `${Array.from({ length: 50 }, (_, i) => JSON.stringify(row(`p${i}`))).join("\n")}\n`,
      );
      const rows = loadRows(file);
      expect(new Set(rows.map((r) => r.split))).toEqual(new Set(["train", "test"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("label scales", () => {
  const withScores = (...values: number[]) => values.map((v) => row("p", { scores: { a: v, b: 1 } }));
  it("reads [0,1], 1-10 and 0-10 ratings, percentages; refuses what fits none", () => {
    expect(scoreScale(withScores(0, 0.3, 1))).toBe("unit");
    expect(scoreScale(withScores(1, 4, 10))).toBe("judge-1-10");
    expect(normaliseScore(10, "judge-1-10")).toBe(1);
    expect(normaliseScore(1, "judge-1-10")).toBe(0);
    // a 0 among ratings up to 10 means a 0-10 scale: 1 is then a poor answer, not a failure
    expect(scoreScale(withScores(0, 1, 7, 10))).toBe("judge-0-10");
    expect(normaliseScore(1, "judge-0-10")).toBeCloseTo(0.1, 12);
    expect(scoreScale(withScores(0, 55, 100))).toBe("percent");
    expect(() => scoreScale(withScores(0, 250))).toThrow(/rescale/);
    expect(() => scoreScale(withScores(-1, 1))).toThrow(/>= 0/);
  });
  it("true/false outcomes are 1/0", () => {
    const dir = mkdtempSync(join(tmpdir(), "router-bool-"));
    try {
      const file = join(dir, "b.jsonl");
      writeFileSync(file, `${JSON.stringify({ prompt: "q", scores: { a: true, b: false } })}\n`);
      expect(loadRows(file)[0]!.scores).toEqual({ a: 1, b: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
