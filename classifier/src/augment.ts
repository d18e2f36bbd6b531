/**
 * Training-time augmentation: each training prompt gets one perturbed copy (same scores) with
 * conversational boilerplate the normaliser may not strip, so the regressors learn that it carries
 * no signal. The phrases here are deliberately disjoint from the ones evaluation measures
 * robustness with (./perturb.ts), so the robustness report stays a held-out figure.
 */
const PREFIXES = [
  "Hey there, hope your day is going well! ",
  "Morning! Got something for you.\n",
  "hi, sorry to bother you again.\n\n",
  "Quick favour please:\n",
  "I'd be grateful for some help here.\n\n",
  "Hello friend! Let's see if you can crack this.\n",
  "Yo! Another one:\n",
  "Greetings. I'm working on this and would love a hand.\n\n",
];

const SUFFIXES = [
  "\n\nThanks a ton!",
  "\n\nMuch obliged.",
  " Thank you!!",
  "\n\nLet me know, thanks.",
  "\nThanks in advance for your time.",
  "\n\nKeep it brief if you can.",
  "\n\nI really appreciate it :)",
  "\n\nHave a great day!",
];

/** A deterministic perturbed copy of row `i`'s prompt: prefix, suffix, both, case or spacing. */
export function augmentPrompt(prompt: string, i: number): string {
  const prefix = PREFIXES[i % PREFIXES.length]!;
  const suffix = SUFFIXES[(i * 7 + 3) % SUFFIXES.length]!;
  switch (i % 5) {
    case 0:
      return `${prefix}${prompt}`;
    case 1:
      return `${prompt}${suffix}`;
    case 2:
      return `${prefix}${prompt}${suffix}`;
    case 3:
      return i % 2 ? prompt.toLowerCase() : `${prefix}${prompt.toLowerCase()}`;
    default:
      return `${prompt.replace(/ /g, "  ")}\n\n${suffix.trim()}`;
  }
}
