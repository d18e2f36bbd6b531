/**
 * Prompt perturbations the router's decisions must not hinge on (docs/router.md, Robustness).
 * `greeting` and `signoff` are the fixed strings of issue 10; the `other_*` sets are phrasings the
 * boilerplate normaliser (edge/src/routing/features/normalise.ts) was not written against, cycled
 * over the rows, so the report also shows how far the cleaning generalises.
 */
export const PERTURBATIONS: Record<string, (prompt: string, row: number) => string> = {
  greeting: (p) => `Hi! Could you help me with this one, please?\n\n${p}`,
  signoff: (p) => `${p}\n\nThanks, keep the answer short.`,
  other_greetings: (p, i) => `${OTHER_GREETINGS[i % OTHER_GREETINGS.length]}${p}`,
  other_signoffs: (p, i) => `${p}${OTHER_SIGNOFFS[i % OTHER_SIGNOFFS.length]}`,
  whitespace: (p) => `  ${p.replace(/ /g, "  ")}\n\n\n`,
  lower_case: (p) => p.toLowerCase(),
};

const OTHER_GREETINGS = [
  "Hey, I was wondering if you could take a look at this for me.\n\n",
  "Good evening! I've been stuck on this for a while.\n\n",
  "hello :) quick one for you:\n",
  "Dear assistant, I hope you are well.\n\n",
];

const OTHER_SIGNOFFS = [
  "\n\nI appreciate your help!",
  "\n\nThanks so much in advance, you're the best.",
  "\n\nCheers!",
  "\n\nPlease answer carefully, it matters to me.",
];
