/**
 * Conversational boilerplate the router must not react to: a greeting or "could you help me" before
 * the task, a "thanks" or "keep it short" after it. Routing should depend on what is asked, not on
 * how politely; stripping these before feature extraction makes the decision invariant to them
 * (the training side also augments prompts with other variants, see classifier/src/augment.ts).
 */

const B = String.raw`[\s,!.:;-]`;
const re = (source: string) => new RegExp(source, "i");

/** Leading pieces, each tried at the start of the prompt. */
const HEAD = [
  re(
    String.raw`^(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day)|hola|bonjour|dear\s+\w+)\b(?:\s+(?:there|all|everyone|friend|team|assistant|bot|ai))?${B}*`,
  ),
  re(String.raw`^(?:so|ok(?:ay)?|well|um+|alright)${B}+`),
  re(
    String.raw`^(?:please\s+|kindly\s+)?(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+)?(?:help|assist)(?:\s+me)?(?:\s+(?:out\s+)?(?:with|on))?(?:\s+(?:this|the\s+following|a|my))?(?:\s+(?:one|question|problem|task|thing|query|request|exercise))?(?:,?\s*please)?\s*[?.!:]+\s*`,
  ),
  re(
    String.raw`^(?:i\s+have\s+a\s+(?:quick\s+|small\s+)?question|quick\s+question|i\s+need\s+(?:some\s+|your\s+)?help(?:\s+with\s+(?:this|the\s+following))?|i'?m\s+stuck(?:\s+on\s+this(?:\s+one)?)?|please\s+help(?:\s+me)?(?:\s+with\s+(?:this|the\s+following))?|help\s+me(?:\s+out)?(?:\s+with\s+(?:this|the\s+following))?|here'?s\s+(?:a|my|another)\s+(?:question|problem|task|one))(?:,?\s*please)?\s*[?.!:]+\s*`,
  ),
  re(String.raw`^(?:please|kindly)[,:]?\s+(?=\S)`),
];

/** Trailing pieces: a sentence (after . ! ? a newline or a comma) that only asks for brevity or says thanks. */
const TAIL = [
  re(
    String.raw`(?:^|[.!?\n,]\s*)(?:(?:please|and)\s+)?(?:keep\s+(?:the|your|it)(?:\s+(?:answer|response|reply))?\s+(?:short|brief|concise|simple)|be\s+(?:brief|concise)|(?:a\s+)?(?:short|brief|concise)\s+(?:answer|response|reply)\s+(?:please|is\s+fine|is\s+enough)|no\s+need\s+to\s+explain)(?:,?\s*please)?${B}*$`,
  ),
  re(
    String.raw`(?:^|[.!?\n]\s*)(?:(?:many\s+)?thanks(?:\s+(?:a\s+lot|so\s+much|very\s+much|in\s+advance|again|a\s+bunch))?|thank\s+you(?:\s+(?:so|very)\s+much)?(?:\s+in\s+advance)?|thx|cheers|much\s+appreciated|(?:i\s+)?appreciate\s+(?:it|your\s+help|the\s+help)|best(?:\s+regards)?|kind\s+regards|regards|have\s+a\s+(?:nice|good|great)\s+day)\b(?:${B}+\w+)?${B}*$`,
  ),
];

/** At most this many boilerplate pieces come off each end (bounded work, no pathological loops). */
const MAX_PASSES = 4;

/**
 * The prompt with leading greetings/help requests and trailing thanks/sign-offs removed, line
 * endings unified, trailing spaces and runs of blank lines collapsed. Never returns an empty
 * string for a non-empty prompt: if everything looks like boilerplate, the trimmed text stays.
 *
 * @example
 * normalisePrompt("Hi! Could you help me with this one, please?\n\nWhat is 2+2?\n\nThanks, keep the answer short.");
 * // "What is 2+2?"
 */
export function normalisePrompt(text: string): string {
  let s = text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    // runs of spaces inside a line collapse (indentation at the start of a line is kept: code)
    .replace(/(\S)[ \t]{2,}(?=\S)/g, "$1 ")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (!s) return s;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const before = s;
    for (const head of HEAD) s = stripHead(s, head);
    for (const tail of TAIL) s = stripTail(s, tail);
    if (s === before) break;
  }
  return s;
}

function stripHead(s: string, re: RegExp): string {
  const m = re.exec(s);
  if (!m || m[0].length === 0) return s;
  const rest = s.slice(m[0].length).trimStart();
  return rest ? rest : s;
}

function stripTail(s: string, re: RegExp): string {
  // Only the last line or sentence is a candidate: keeps the regex linear and the body untouched.
  const cut = Math.max(0, s.length - 200);
  const tail = s.slice(cut);
  const m = re.exec(tail);
  if (!m) return s;
  const keep = /^[.!?]/.test(m[0]) ? 1 : 0; // the previous sentence keeps its full stop
  const rest = s.slice(0, cut + m.index + keep).trimEnd();
  return rest ? rest : s;
}
