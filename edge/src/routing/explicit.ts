import type { RosterModel } from "../config";
import { cascadeAfter } from "./cascade";
import type { FallbackChoice, RoutingPolicy } from "./policy";

const fallbacksFor = (roster: RosterModel[], modelId: string, choice: FallbackChoice): string[] =>
  choice.kind === "list"
    ? [...new Set(choice.models)].filter((id) => id !== modelId)
    : choice.kind === "cascade"
      ? cascadeAfter(roster, modelId)
      : [];

/**
 * The caller named a model: that model answers, or the request fails naming it. Other models
 * stand in only when the client asked for it: its own list (`models: [...]`), or the size
 * cascade (`x-switchyard-fallback: true`).
 *
 * @example await createExplicitPolicy(roster).decide({ requestedModel: "gemma-2-9b-it", fallbacks: { kind: "cascade" }, ... })
 */
export function createExplicitPolicy(roster: RosterModel[]): RoutingPolicy {
  return {
    name: "explicit",
    async decide(input) {
      return {
        modelId: input.requestedModel,
        reason: "explicit",
        confidence: null,
        fallbacks: fallbacksFor(roster, input.requestedModel, input.fallbacks ?? { kind: "none" }),
      };
    },
  };
}
