/**
 * Prompt sizes for the load. The dev stand-ins have small contexts (stories260K: 512
 * tokens), so "long" stays well under that with room for the reply.
 */
export type PromptSize = "short" | "medium" | "long";

const SENTENCES = [
  "Once upon a time there was a little girl named Lily who loved to play in the park.",
  "One day she found a small red ball under a big green tree near the pond.",
  "She ran to her mom and asked if she could keep the ball and play with it all day.",
  "Her mom smiled and said yes, but first they had to find out who had lost it.",
  "They walked around the park and asked every child they met about the ball.",
  "A boy named Tom said it was his and thanked Lily for being so kind and honest.",
];

const WORDS: Record<PromptSize, number> = { short: 8, medium: 50, long: 160 };

/** A prompt of about the given size; `nonce` makes it unique (defeats every cache on the path). */
export function promptFor(size: PromptSize, nonce?: string): string {
  const words: string[] = [];
  for (let i = 0; words.length < WORDS[size]; i++) {
    words.push(...(SENTENCES[i % SENTENCES.length] as string).split(" "));
  }
  const text = words.slice(0, WORDS[size]).join(" ");
  return nonce === undefined ? text : `${nonce} ${text}`;
}

/** Short unique tag per request, e.g. "r3f9k2-17". */
export function nonceFor(runId: string, index: number): string {
  return `[${runId}-${index}]`;
}
