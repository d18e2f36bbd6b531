import type { RosterModel } from "../config";
import { cascadeAfter } from "./cascade";
import type { RoutingPolicy } from "./policy";

/**
 * `auto` without a learned router: rotate over the production models that have a backend
 * (all roster models if there is no production one). The counter is per isolate, which is
 * enough to spread load; it is not a global sequence.
 *
 * @example const policy = createRoundRobinPolicy(roster);
 */
export function createRoundRobinPolicy(roster: RosterModel[]): RoutingPolicy {
  const production = roster.filter((m) => m.tier !== null);
  const candidates = (production.length > 0 ? production : roster).map((m) => m.id);
  let next = 0;
  return {
    name: "round-robin",
    async decide() {
      const modelId = candidates[next % candidates.length] ?? "";
      next = (next + 1) % candidates.length;
      return { modelId, reason: "round-robin", confidence: null, fallbacks: cascadeAfter(roster, modelId) };
    },
  };
}
