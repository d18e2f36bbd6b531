import { hmacPromptHash } from "../../../../vocabulary/prompt-hash";

/** Which requests the response cache may answer. */
export type CacheMode = "deterministic" | "all" | "off";

export interface CacheKeyPolicy {
  mode: CacheMode;
  /** One cache for every caller (operator opt-in); otherwise each tenant has its own entries. */
  shared: boolean;
  /** HMAC key: a key derived from a prompt cannot be recomputed without it. */
  secret: string;
}

/** The sampling settings that decide whether a reply is repeatable. */
export interface Sampling {
  temperature: number | null;
  seed: number | null;
}

/**
 * Whether a request may be answered from the cache. `deterministic` (the default): only when
 * the reply is meant to be repeatable, temperature 0 or a fixed seed, so a chat UI's
 * "regenerate" at temperature 1 gets a new answer. `all`: every request. `off`: none.
 *
 * @example cacheable("deterministic", { temperature: 0, seed: null }) // true
 */
export function cacheable(mode: CacheMode, s: Sampling): boolean {
  if (mode === "off") return false;
  return mode === "all" || s.temperature === 0 || s.seed !== null;
}

/**
 * Cache key: HMAC-SHA256 (never a bare hash of the prompt) over the tenant scope and the
 * request's canonical material (every output-changing field). Scope: the caller (API key name,
 * JWT subject, client IP for anonymous callers) unless the cache is shared.
 *
 * @example await cacheKeyFor(policy, "key:alice", cacheMaterial(req)) // "cache:v3:9b1f..."
 */
export async function cacheKeyFor(policy: CacheKeyPolicy, tenant: string, material: string): Promise<string> {
  const scope = policy.shared ? "shared" : `tenant:${tenant}`;
  return `cache:v3:${await hmacPromptHash(policy.secret, `switchyard-cache\n${scope}\n${material}`)}`;
}
