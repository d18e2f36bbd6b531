import type { RosterModel } from "../config";
import { createClassifierPolicy } from "./classifier/index.js";
import { createExplicitPolicy } from "./explicit";
import type { RoutingDecision, RoutingInput, RoutingPolicy } from "./policy";
import { createRoundRobinPolicy } from "./round-robin";

export { cascadeAfter } from "./cascade";
export { createExplicitPolicy } from "./explicit";
export type { RoutingDecision, RoutingInput, RoutingPolicy } from "./policy";
export { createRoundRobinPolicy } from "./round-robin";

/** The model id that asks the router to choose. */
export const AUTO_MODEL = "auto";

/** Builds the policy used for `model: "auto"`; others (the learned router) register here. */
export type AutoPolicyFactory = (
  roster: RosterModel[],
  opts: { threshold?: number | undefined },
) => RoutingPolicy;

export const autoPolicyFactories: Record<string, AutoPolicyFactory> = {
  // The learned router (LightGBM in ONNX); it only picks models that have a backend here.
  classifier: (roster, { threshold }) =>
    createClassifierPolicy({
      available: roster.map((m) => m.id),
      ...(threshold === undefined ? {} : { threshold }),
    }),
  "round-robin": createRoundRobinPolicy,
};

export interface RoutingOptions {
  roster: RosterModel[];
  /** Policy for `auto` requests. Default: round-robin. */
  auto?: RoutingPolicy;
}

/**
 * Explicit model ids go to that model; `auto` goes to the auto policy. A policy that throws or
 * names a model without a backend degrades to round-robin and says so in `reason`.
 *
 * @example
 * const routing = createRoutingPolicy({ roster: config.roster });
 * const decision = await routing.decide({ requestedModel: "auto", text, lastUserText, maxTokens: 64 });
 */
export function createRoutingPolicy(opts: RoutingOptions): RoutingPolicy {
  const explicit = createExplicitPolicy(opts.roster);
  const fallback = createRoundRobinPolicy(opts.roster);
  const auto = opts.auto ?? fallback;
  const inRoster = new Set(opts.roster.map((m) => m.id));
  return {
    name: `explicit+${auto.name}`,
    async decide(input: RoutingInput): Promise<RoutingDecision> {
      if (input.requestedModel !== AUTO_MODEL) return explicit.decide(input);
      try {
        const decision = await auto.decide(input);
        if (inRoster.has(decision.modelId)) {
          return {
            ...decision,
            fallbacks: decision.fallbacks.filter((id) => inRoster.has(id) && id !== decision.modelId),
          };
        }
        const d = await fallback.decide(input);
        return { ...d, reason: `default:${auto.name}-chose-unknown-model` };
      } catch {
        const d = await fallback.decide(input);
        return { ...d, reason: `default:${auto.name}-failed` };
      }
    },
  };
}
