import { describe, expect, it } from "vitest";
import {
  DENSE_FEATURE_NAMES,
  estimateTokens,
  extractFeatures,
  FEATURE_DIM,
  fnv1a,
} from "../../edge/src/routing/features/index.js";

const f = (text: string, name: (typeof DENSE_FEATURE_NAMES)[number]) =>
  extractFeatures(text)[DENSE_FEATURE_NAMES.indexOf(name)]!;

describe("feature extractor", () => {
  it("is deterministic and has the advertised dimension", () => {
    const text =
      "Write a Python function that sorts a list.\n```python\ndef f(xs):\n    return sorted(xs)\n```";
    const a = extractFeatures(text);
    const b = extractFeatures(text);
    expect(a.length).toBe(FEATURE_DIM);
    expect(Array.from(a)).toEqual(Array.from(b));
    // reusing a buffer gives the same numbers (no state leaks between calls)
    const buf = new Float32Array(FEATURE_DIM);
    extractFeatures("something else entirely", buf);
    expect(Array.from(extractFeatures(text, buf))).toEqual(Array.from(a));
  });

  it("pins the hash function (changing it silently would invalidate every trained router)", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("sees code, math, multiple choice, question form and script", () => {
    expect(f("```js\nconst x = () => {}\n```", "code_fence")).toBe(1);
    expect(f("def add(a, b):\n    return a + b", "code_keywords")).toBeGreaterThanOrEqual(2);
    expect(f("What is the capital of France?", "code_keywords")).toBe(0);
    expect(f("Compute $\\frac{1}{2} + 3 * 4$", "latex_markers")).toBeGreaterThanOrEqual(2);
    expect(f("If 3 + 4 = x, how many apples in total?", "arith_expr")).toBe(1);
    expect(f("If 3 + 4 = x, how many apples in total?", "math_words")).toBeGreaterThanOrEqual(2);
    expect(f("Which is a mammal?\nA. shark\nB. whale\nC. trout", "mcq_option_lines")).toBe(3);
    expect(f("Why is the sky blue?", "ends_with_question")).toBe(1);
    expect(f("Why is the sky blue?", "starts_with_wh")).toBe(1);
    expect(f("Write a poem", "imperative_start")).toBe(1);
    expect(f("Какая самая длинная река?", "cyrillic_ratio")).toBeGreaterThan(0.5);
    expect(f("日本の首都はどこですか", "cjk_ratio")).toBeGreaterThan(0.9);
    expect(f("one\ntwo\nthree", "lines")).toBe(3);
  });

  it("hashes words so that different topics differ", () => {
    const a = extractFeatures("tell me about volcanoes");
    const b = extractFeatures("tell me about databases");
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });

  it("estimates tokens like a BPE tokenizer would, roughly", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("Hello, world!")).toBe(4);
    expect(estimateTokens("日本語")).toBe(3);
    const prose = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    // tiktoken cl100k gives 200 for this text
    expect(estimateTokens(prose)).toBeGreaterThan(170);
    expect(estimateTokens(prose)).toBeLessThan(260);
  });

  it("handles huge prompts and reports its cost (timing is for the report, not asserted: see bench)", () => {
    const typical =
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May? ".repeat(
        2,
      );
    const buf = new Float32Array(FEATURE_DIM);
    for (let i = 0; i < 200; i++) extractFeatures(typical, buf);
    const n = 2000;
    let t = performance.now();
    for (let i = 0; i < n; i++) extractFeatures(typical, buf);
    const typicalUs = ((performance.now() - t) * 1000) / n;
    const huge = typical.repeat(400); // ~130k characters
    t = performance.now();
    for (let i = 0; i < 20; i++) extractFeatures(huge, buf);
    const hugeUs = ((performance.now() - t) * 1000) / 20;
    console.log(
      `features: ${typicalUs.toFixed(1)} us typical (${typical.length} chars), ${hugeUs.toFixed(0)} us for ${huge.length} chars`,
    );
    // Performance targets are measured, not asserted in unit tests (a shared 2-core CI box is noisy).
    expect(buf.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(typicalUs) && Number.isFinite(hugeUs)).toBe(true);
  });
});
