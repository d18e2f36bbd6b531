/**
 * The prompt hash both the edge and the model servers log, so their lines about one request can
 * be joined without either holding the prompt: HMAC-SHA256 (WebCrypto, same in workerd and Node 20)
 * with SWITCHYARD_PROMPT_HASH_KEY over one canonical text, as 64 lowercase hex.
 *
 * @example
 * await hmacPromptHash(key, promptHashText({ messages: [{ role: "user", content: "hi" }] }))
 */
const encoder = new TextEncoder();
// Node's and the DOM's typings name the key type differently; this is both.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();

function importKey(key: string): Promise<HmacKey> {
  let imported = keyCache.get(key);
  if (!imported) {
    imported = crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    keyCache.set(key, imported);
  }
  return imported;
}

export interface HashedPrompt {
  /** A legacy-completions prompt; wins over messages. */
  prompt?: string | null | undefined;
  /** Chat messages with their content already flattened to text. */
  messages?: readonly { role: string; content: string }[] | undefined;
}

/** The canonical text of a prompt: the raw prompt, or `role: content` lines. */
export const promptHashText = (p: HashedPrompt): string =>
  p.prompt ?? (p.messages ?? []).map((m) => `${m.role}: ${m.content}`).join("\n");

/** HMAC-SHA256 of `text` under `key`, lowercase hex (64 characters). */
export async function hmacPromptHash(key: string, text: string): Promise<string> {
  if (key.length === 0) throw new Error("prompt hash key must not be empty");
  const signature = await crypto.subtle.sign("HMAC", await importKey(key), encoder.encode(text));
  let hex = "";
  for (const byte of new Uint8Array(signature)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
