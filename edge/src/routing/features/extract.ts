import { normalisePrompt } from "./normalise.js";
import { estimateTokens } from "./tokens.js";

/**
 * Version of the feature layout. Bump it whenever a feature changes meaning or position: a
 * router trained on one version must not be fed another (the policy checks the model's metadata).
 */
export const FEATURE_SPEC_VERSION = "sy-features-4";

/** Hashed word unigram+bigram buckets, then hashed character trigram buckets. */
export const WORD_HASH_BUCKETS = 256;
export const CHAR_HASH_BUCKETS = 128;

/** Only the first characters feed the regex markers and n-grams: keeps extraction O(1) on huge prompts. */
export const SCAN_LIMIT_CHARS = 4000;

/** Names of the dense (hand-written) features, in order. Hashed buckets follow them. */
export const DENSE_FEATURE_NAMES = [
  "chars",
  "tokens_est",
  "words",
  "lines",
  "nonempty_lines",
  "sentences",
  "mean_word_len",
  "max_line_len",
  "digit_ratio",
  "upper_ratio",
  "punct_ratio",
  "non_ascii_ratio",
  "cjk_ratio",
  "cyrillic_ratio",
  "arabic_ratio",
  "unique_word_ratio",
  "code_fence",
  "code_keywords",
  "code_symbols",
  "indented_lines",
  "brace_lines",
  "arith_expr",
  "latex_markers",
  "math_words",
  "numbers",
  "question_marks",
  "ends_with_question",
  "starts_with_wh",
  "mcq_option_lines",
  "mcq_inline_options",
  "answer_cue",
  "imperative_start",
  "qa_prefix",
  "list_lines",
  "quote_chars",
  "unit_words",
] as const;

export const DENSE_DIM = DENSE_FEATURE_NAMES.length;
export const FEATURE_DIM = DENSE_DIM + WORD_HASH_BUCKETS + CHAR_HASH_BUCKETS;

const CODE_KEYWORDS =
  /\b(?:def|return|function|class|import|from|const|let|var|public|private|static|void|int|elif|lambda|print|printf|include|struct|self|async|await|assert|yield|for|while|if|else|try|except|python|javascript|java|sql|select|array|list|string|integer|implement|algorithm|code)\b/g;
const CODE_SYMBOLS = /=>|->|==|!=|<=|>=|\+\+|&&|\|\||::|;\s*$|\(\)|\[\]|\{|\}/gm;
const ARITH = /\d\s*[-+*/×÷^=<>%]\s*\d/g;
const LATEX =
  /\\(?:frac|sqrt|sum|int|cdot|times|pi|theta|alpha|beta|le|ge|neq|infty|log|sin|cos|left|right|begin|mathbf|text)\b|\$|\^\{|_\{/g;
const MATH_WORDS =
  /\b(?:calculate|compute|solve|equation|sum|total|how many|how much|percent|percentage|probability|average|remainder|integer|digits?|prime|divisible|ratio|area|perimeter|volume|triangle|circle|polynomial|derivative|integral|real numbers?|value of)\b/g;
const NUMBERS = /\d+(?:[.,]\d+)?/g;
const WH_START =
  /^\s*(?:q:\s*|question:\s*)?(?:what|who|whom|whose|when|where|why|how|which|is|are|does|do|can|could|should|would|will|did)\b/i;
const MCQ_LINE = /^\s*(?:\(?[A-Ha-h][).:]|[A-H]\s*[-–]\s)\s*\S/gm;
const MCQ_INLINE = /(?:^|\s)\(?[A-E]\)\s*\S/g;
const ANSWER_CUE = /\b(?:answer|choose|select|options?|choices?|correct|true or false)\b/g;
const IMPERATIVE =
  /^\s*(?:write|create|generate|implement|explain|describe|list|give|summari[sz]e|translate|tell|make|compose|draft|rewrite|find|complete|fix|convert|design|build)\b/i;
const QA_PREFIX = /^\s*(?:q:|question:|problem:|context:)/i;
const LIST_LINE = /^\s*(?:[-*•]|\d+[.)])\s+/gm;
const UNIT_WORDS =
  /\b(?:dollars?|cents?|hours?|minutes?|days?|weeks?|years?|meters?|miles?|km|kg|pounds?|feet|inches?|liters?|apples?|eggs?)\b/g;
const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * Turns a prompt into the router's feature vector (length FEATURE_DIM), after normalisePrompt has
 * taken greetings, politeness and sign-offs off it (they must not move the route). Pure and deterministic:
 * the worker calls it per request and the training CLI calls it for every row, so both sides
 * see exactly the same numbers. Cost is a few regex passes over at most SCAN_LIMIT_CHARS.
 *
 * @example
 * const x = extractFeatures("What is 2 + 2?"); // Float32Array(420)
 */
export function extractFeatures(
  text: string,
  out: Float32Array = new Float32Array(FEATURE_DIM),
): Float32Array {
  if (out.length !== FEATURE_DIM) throw new RangeError(`feature buffer must have length ${FEATURE_DIM}`);
  out.fill(0);
  text = normalisePrompt(text);
  const scan = text.length > SCAN_LIMIT_CHARS ? text.slice(0, SCAN_LIMIT_CHARS) : text;
  const lower = scan.toLowerCase();
  const chars = text.length;
  const scanLen = Math.max(1, scan.length);

  let digits = 0;
  let upper = 0;
  let punct = 0;
  let nonAscii = 0;
  let cjk = 0;
  let cyrillic = 0;
  let arabic = 0;
  let quotes = 0;
  for (let i = 0; i < scan.length; i++) {
    const c = scan.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c < 128) {
      if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        punct++;
      if (c === 34 || c === 39 || c === 96) quotes++;
    } else {
      nonAscii++;
      if ((c >= 0x3040 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af)) cjk++;
      else if (c >= 0x0400 && c <= 0x04ff) cyrillic++;
      else if (c >= 0x0600 && c <= 0x06ff) arabic++;
    }
  }

  const lines = scan.split("\n");
  let nonEmpty = 0;
  let maxLine = 0;
  let indented = 0;
  let braceLines = 0;
  for (const line of lines) {
    if (line.trim().length > 0) nonEmpty++;
    if (line.length > maxLine) maxLine = line.length;
    if (line.startsWith("    ") || line.startsWith("\t")) indented++;
    const t = line.trimEnd();
    if (t.endsWith("{") || t.endsWith("}") || t.endsWith(":") || t.endsWith(";")) braceLines++;
  }

  const words = lower.match(WORD) ?? [];
  let wordChars = 0;
  const unique = new Set<string>();
  for (const w of words) {
    wordChars += w.length;
    unique.add(w);
  }

  const dense = [
    chars,
    estimateTokens(text),
    words.length,
    countLines(text),
    nonEmpty,
    count(scan, /[.!?。！？]+(?:\s|$)/g),
    words.length ? wordChars / words.length : 0,
    maxLine,
    digits / scanLen,
    upper / scanLen,
    punct / scanLen,
    nonAscii / scanLen,
    cjk / scanLen,
    cyrillic / scanLen,
    arabic / scanLen,
    words.length ? unique.size / words.length : 0,
    scan.includes("```") ? 1 : 0,
    count(lower, CODE_KEYWORDS),
    count(scan, CODE_SYMBOLS),
    indented,
    braceLines,
    count(scan, ARITH),
    count(scan, LATEX),
    count(lower, MATH_WORDS),
    count(scan, NUMBERS),
    countChar(scan, 63),
    /\?\s*$/.test(scan) ? 1 : 0,
    WH_START.test(scan) ? 1 : 0,
    count(scan, MCQ_LINE),
    count(scan, MCQ_INLINE),
    count(lower, ANSWER_CUE),
    IMPERATIVE.test(scan) ? 1 : 0,
    QA_PREFIX.test(scan) ? 1 : 0,
    count(scan, LIST_LINE),
    quotes,
    count(lower, UNIT_WORDS),
  ];
  for (let i = 0; i < DENSE_DIM; i++) out[i] = dense[i] ?? 0;

  // Hashed word unigrams and bigrams: topic and phrasing ("def", "how many", "which of").
  const wordBase = DENSE_DIM;
  let prev = "";
  for (const w of words) {
    out[wordBase + (fnv1a(w) % WORD_HASH_BUCKETS)]! += 1;
    if (prev) out[wordBase + (fnv1a(`${prev} ${w}`) % WORD_HASH_BUCKETS)]! += 1;
    prev = w;
  }
  // Hashed character trigrams over the whitespace-collapsed text: script, symbols, morphology.
  const charBase = DENSE_DIM + WORD_HASH_BUCKETS;
  const collapsed = lower.replace(/\s+/g, " ");
  for (let i = 0; i + 3 <= collapsed.length; i++) {
    out[charBase + (fnv1a(collapsed, i, i + 3) % CHAR_HASH_BUCKETS)]! += 1;
  }
  return out;
}

function count(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  re.lastIndex = 0;
  return n;
}

/** Newlines via indexOf (native scan): cheap even on huge prompts. */
function countLines(text: string): number {
  let n = 1;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) n++;
  return n;
}

function countChar(text: string, code: number): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === code) n++;
  return n;
}

/** FNV-1a 32-bit over UTF-16 code units; the same numbers in every JS engine. */
export function fnv1a(s: string, start = 0, end = s.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
