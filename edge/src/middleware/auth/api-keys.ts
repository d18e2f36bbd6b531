import { equalDigests, sha256, toHex } from "../../http/digest";

export { sha256, toHex };

const HASHED_ENTRY = /^([^:\s]+):([0-9a-fA-F]{64})$/;

/** One accepted API key: a name (used in logs and rate limits) and the SHA-256 of the key. */
export interface ApiKeyEntry {
  name: string;
  sha256: Uint8Array;
}

const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

/**
 * Parses SWITCHYARD_API_KEYS: comma-separated `name:sha256hex` entries, or raw keys, which are
 * hashed here and forgotten (named `key-<first 8 hex of the hash>`).
 *
 * @example await parseApiKeys("alice:9f86d0...0f00a08, sk-dev-raw-key")
 */
export async function parseApiKeys(spec: string): Promise<ApiKeyEntry[]> {
  const entries: ApiKeyEntry[] = [];
  for (const item of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const hashed = HASHED_ENTRY.exec(item);
    if (hashed?.[1] && hashed[2]) {
      entries.push({ name: hashed[1], sha256: fromHex(hashed[2].toLowerCase()) });
    } else {
      const digest = await sha256(item);
      entries.push({ name: `key-${toHex(digest).slice(0, 8)}`, sha256: digest });
    }
  }
  return entries;
}

/** Compares two equal-length digests without an early exit. */

/** Keys an isolate remembers as verified; beyond this the memory starts over (no unbounded growth). */
const MAX_VERIFIED = 1024;

/**
 * `matchApiKey` with a per-isolate memory of keys already verified, so a client's every request
 * after its first skips the SHA-256. Only matches are remembered (a flood of wrong keys costs
 * hashing, not memory); the memory belongs to one `entries` list, so new keys mean a new matcher.
 *
 * @example const match = apiKeyMatcher(await parseApiKeys(spec)); await match(token);
 */
export function apiKeyMatcher(
  entries: ApiKeyEntry[] | Promise<ApiKeyEntry[]>,
): (presented: string) => Promise<ApiKeyEntry | undefined> {
  const list = Promise.resolve(entries);
  const verified = new Map<string, ApiKeyEntry>();
  return async (presented) => {
    const known = verified.get(presented);
    if (known) return known;
    const entry = await matchApiKey(await list, presented);
    if (entry) {
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(presented, entry);
    }
    return entry;
  };
}

/**
 * The entry whose hash matches the presented key. Every entry is compared (no early return),
 * and only hashes are compared, so timing reveals nothing about the stored keys.
 */
export async function matchApiKey(
  entries: ApiKeyEntry[],
  presented: string,
): Promise<ApiKeyEntry | undefined> {
  const digest = await sha256(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    if (equalDigests(entry.sha256, digest) && !found) found = entry;
  }
  return found;
}
