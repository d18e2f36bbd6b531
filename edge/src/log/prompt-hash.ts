const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function importKey(key: string): Promise<CryptoKey> {
  let imported = keyCache.get(key);
  if (!imported) {
    imported = crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    keyCache.set(key, imported);
  }
  return imported;
}

/**
 * Keyed hash of a prompt (HMAC-SHA256, lowercase hex) so the request log can group identical
 * prompts without storing them. Uses WebCrypto, available in workerd and Node 20.
 *
 * @example
 * const promptHash = await hmacPromptHash(env.SWITCHYARD_PROMPT_HASH_KEY, normalisedPrompt);
 */
export async function hmacPromptHash(key: string, text: string): Promise<string> {
  if (key.length === 0) throw new Error("prompt hash key must not be empty");
  const signature = await crypto.subtle.sign("HMAC", await importKey(key), encoder.encode(text));
  let hex = "";
  for (const byte of new Uint8Array(signature)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
