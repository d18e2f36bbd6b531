import type { RosterModel } from "../config";

/**
 * Fallback order after `modelId`: the larger production models (next larger first), then the
 * smaller ones (largest first), so a failure moves up in quality before it moves down.
 * Dev models have no tier and never cascade.
 *
 * @example cascadeAfter(roster, "qwen2.5-7b-instruct") // ["llama-3.1-8b-instruct", "gemma-2-9b-it", ..., "codegemma-7b"]
 */
export function cascadeAfter(roster: RosterModel[], modelId: string): string[] {
  const self = roster.find((m) => m.id === modelId);
  if (!self || self.tier === null) return [];
  const tiered = roster.filter((m) => m.tier !== null && m.id !== modelId);
  const larger = tiered
    .filter((m) => (m.tier ?? 0) > (self.tier ?? 0))
    .sort((a, b) => (a.tier ?? 0) - (b.tier ?? 0));
  const smaller = tiered
    .filter((m) => (m.tier ?? 0) < (self.tier ?? 0))
    .sort((a, b) => (b.tier ?? 0) - (a.tier ?? 0));
  return [...larger, ...smaller].map((m) => m.id);
}
