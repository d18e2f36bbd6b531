import type { RosterModel } from "../config";
import { cascadeAfter } from "./cascade";
import type { RoutingPolicy } from "./policy";

/**
 * The caller named a model: use it, with the size cascade as fallbacks.
 *
 * @example await createExplicitPolicy(roster).decide({ requestedModel: "gemma-2-9b-it", ... })
 */
export function createExplicitPolicy(roster: RosterModel[]): RoutingPolicy {
  return {
    name: "explicit",
    async decide(input) {
      return {
        modelId: input.requestedModel,
        reason: "explicit",
        confidence: null,
        fallbacks: cascadeAfter(roster, input.requestedModel),
      };
    },
  };
}
