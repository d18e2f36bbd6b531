import { writeFileSync } from "node:fs";

/**
 * A small routing dataset with a learnable structure: "coder" answers code prompts, "big" answers
 * math and long prompts, "small" (the cheapest) answers chit-chat; each succeeds elsewhere only
 * sometimes. Deterministic (a fixed LCG), in the public data's format.
 */
export function writeSyntheticDataset(
  file: string,
  opts: {
    rows?: number;
    withCost?: boolean;
    models?: [string, string, string];
    /** Scores as 1-10 judge ratings (1 = failure, 10 = success) instead of 0/1. */
    judge?: boolean;
    /** Every n-th training row leaves the "coder" model unscored (masked). */
    maskEvery?: number;
    /** Rows without `split` and `task` (train makes its own split; segments come from clusters). */
    bare?: boolean;
  } = {},
): void {
  const [small, coder, big] = opts.models ?? ["small", "coder", "big"];
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const code = [
    "Write a Python function that reverses a linked list.",
    "def merge(a, b):\n    # merge two sorted lists\n    return",
    "Implement quicksort in JavaScript using recursion.",
    "Fix this code: for (let i = 0; i < n; i++) { sum += xs[i] }",
    "class Queue:\n    def __init__(self):\n        self.items = []",
  ];
  const math = [
    "If 12 apples cost 36 dollars, how many dollars do 5 apples cost?",
    "Compute $\\frac{7}{8} - \\frac{1}{4}$.",
    "A train goes 60 km in 45 minutes. What is its speed in km per hour?",
    "What is the sum of the first 100 positive integers?",
    "Solve for x: 3x + 7 = 22.",
  ];
  const chat = [
    "hi there, how are you?",
    "Tell me a fun fact about otters.",
    "What is your favourite colour?",
    "Say something nice to cheer me up.",
    "Good morning!",
  ];
  const lines: string[] = [];
  const n = opts.rows ?? 360;
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    const pool = kind === 0 ? code : kind === 1 ? math : chat;
    const prompt = `${pool[Math.floor(rand() * pool.length)]} (case ${i})`;
    const p = (hit: boolean) => (hit ? (rand() < 0.9 ? 1 : 0) : rand() < 0.2 ? 1 : 0);
    const asScore = (x: number) => (opts.judge ? 1 + 9 * x : x);
    const scores: Record<string, number> = {
      [small]: asScore(p(kind === 2)),
      [coder]: asScore(p(kind === 0)),
      [big]: asScore(p(kind !== 0 || rand() < 0.5)),
    };
    if (opts.maskEvery && i % 5 !== 0 && i % opts.maskEvery === 1) delete scores[coder];
    const row: Record<string, unknown> = opts.bare
      ? { id: `syn/${i}`, prompt, scores }
      : {
          id: `syn/${i}`,
          prompt,
          task: ["code", "math", "chat"][kind],
          split: i % 5 === 0 ? "test" : "train",
          scores,
        };
    if (opts.withCost) row.cost = { [small]: 0.0001, [coder]: 0.0002, [big]: 0.001 };
    lines.push(JSON.stringify(row));
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

export function writeSyntheticPrices(
  file: string,
  models: [string, string, string] = ["small", "coder", "big"],
): void {
  const [small, coder, big] = models;
  writeFileSync(
    file,
    JSON.stringify({
      [small]: { input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.1 },
      [coder]: { input_usd_per_mtok: 0.2, output_usd_per_mtok: 0.2 },
      [big]: { input_usd_per_mtok: 0.9, output_usd_per_mtok: 0.9 },
    }),
  );
}
