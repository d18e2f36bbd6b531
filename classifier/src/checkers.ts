import { parseChoices } from "./data.js";

/**
 * Task-aware answer checkers for outputs that have a reference answer. Each returns a score in
 * [0,1]: multiple choice (the answer letter, or the option's text), numeric (last number in the
 * output vs the reference, relative tolerance 1e-6), else normalised exact match / containment,
 * falling back to token F1 (the open-QA metric of the public data).
 */
export function checkAnswer(
  output: string,
  groundTruth: unknown,
  ctx: { choices?: unknown; metric?: string | null },
): number {
  const gt = typeof groundTruth === "string" ? groundTruth.trim() : String(groundTruth ?? "").trim();
  if (!gt) return 0;
  const options = parseChoices(ctx.choices);
  if (/^[A-Ha-h]$/.test(gt) && (options.length > 0 || ctx.metric === "em_mc")) {
    return checkChoice(output, gt.toUpperCase(), options);
  }
  const gtNumber = referenceNumber(gt);
  if (gtNumber !== null) {
    const got = lastNumber(output);
    return got !== null && Math.abs(got - gtNumber) <= 1e-6 * Math.max(1, Math.abs(gtNumber)) ? 1 : 0;
  }
  const a = normalise(output);
  const b = normalise(gt);
  if (a === b || (b.length > 0 && ` ${a} `.includes(` ${b} `))) return 1;
  return tokenF1(a, b);
}

/** The letter the output commits to: "answer is (B)", "Answer: B", "B.", "(B)", or the option's text. */
export function extractChoice(output: string, options: string[]): string | null {
  const patterns = [
    /answer\s*(?:is|:)?\s*\(?([A-H])\b\)?/i,
    /^\s*\(?([A-H])[).:\s]/,
    /\(([A-H])\)/,
    /^\s*([A-H])\s*$/,
  ];
  for (const re of patterns) {
    const m = re.exec(output);
    if (m?.[1]) return m[1].toUpperCase();
  }
  const text = normalise(output);
  const hits = options
    .map((o, i) => [normalise(o), i] as const)
    .filter(([o]) => o && ` ${text} `.includes(` ${o} `));
  if (hits.length === 1) return String.fromCharCode(65 + hits[0]![1]);
  return null;
}

function checkChoice(output: string, letter: string, options: string[]): number {
  return extractChoice(output, options) === letter ? 1 : 0;
}

/** The reference's number: the part after GSM8K's "####", a MATH-style \\boxed{...}, or the whole string. */
function referenceNumber(gt: string): number | null {
  const hash = gt.split("####");
  if (hash.length > 1) return lastNumber(hash[hash.length - 1]!);
  const boxed = /\\boxed\{([^{}]*)\}/.exec(gt);
  if (boxed) return toNumber(boxed[1]!);
  return toNumber(gt);
}

function lastNumber(text: string): number | null {
  const all = text.replace(/(\d),(\d{3})/g, "$1$2").match(/-?\d+(?:\.\d+)?(?:\/\d+)?/g);
  return all ? toNumber(all[all.length - 1]!) : null;
}

function toNumber(s: string): number | null {
  const t = s.replace(/[$,\s]/g, "").replace(/\.$/, "");
  const frac = /^(-?\d+)\/(\d+)$/.exec(t);
  if (frac) return Number(frac[1]) / Number(frac[2]);
  return /^-?\d+(?:\.\d+)?$/.test(t) ? Number(t) : null;
}

export function normalise(s: string): string {
  return s
    .toLowerCase()
    .replace(/\b(?:a|an|the)\b/g, " ")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function tokenF1(a: string, b: string): number {
  const x = a.split(" ").filter(Boolean);
  const y = b.split(" ").filter(Boolean);
  if (!x.length || !y.length) return 0;
  const counts = new Map<string, number>();
  for (const t of y) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of x) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const p = common / x.length;
  const r = common / y.length;
  return (2 * p * r) / (p + r);
}

/**
 * The documented last resort when there is neither a reference nor a judge: it measures whether
 * an answer exists, not whether it is right. 0 for errors and empty output; otherwise 1, halved
 * when the model hit the token limit (finish_reason "length"), scaled by how non-repetitive the
 * output is (distinct words / words, capped at 1 from 0.5 up), and halved again when the output
 * mostly echoes the prompt.
 */
export function heuristicScore(run: {
  output: string;
  error: string | null;
  finish_reason: string | null;
  prompt: string;
}): number {
  if (run.error) return 0;
  const words = normalise(run.output).split(" ").filter(Boolean);
  if (words.length === 0) return 0;
  let score = 1;
  if (run.finish_reason === "length") score *= 0.5;
  const distinct = new Set(words).size / words.length;
  score *= Math.min(1, distinct / 0.5);
  const promptWords = new Set(normalise(run.prompt).split(" "));
  const echoed = words.filter((w) => promptWords.has(w)).length / words.length;
  if (echoed > 0.8) score *= 0.5;
  return Math.round(score * 1000) / 1000;
}
