import type { RosterModel } from "../config";
import { createClassifierPolicy } from "./classifier/index.js";
import { createExplicitPolicy } from "./explicit";
import type { RoutingDecision, RoutingInput, RoutingPolicy } from "./policy";
import { createRoundRobinPolicy } from "./round-robin";

export { cascadeAfter } from "./cascade";
export { createExplicitPolicy } from "./explicit";
export type { FallbackChoice, RoutingDecision, RoutingInput, RoutingPolicy } from "./policy";
export { createRoundRobinPolicy } from "./round-robin";

/** The model id that asks the router to choose. */
export const AUTO_MODEL = "auto";

/** Builds the policy used for `model: "auto"`; others (the learned router) register here. */
export type AutoPolicyFactory = (
  roster: RosterModel[],
  opts: { maxQualityLoss?: number | undefined },
) => RoutingPolicy;

export const autoPolicyFactories: Record<string, AutoPolicyFactory> = {
  // The learned router (LightGBM in ONNX); it only picks models that have a backend here.
  classifier: (roster, { maxQualityLoss }) =>
    createClassifierPolicy({ roster, ...(maxQualityLoss === undefined ? {} : { maxQualityLoss }) }),
  "round-robin": createRoundRobinPolicy,
};

export interface RoutingOptions {
  roster: RosterModel[];
  /** Policy for `auto` requests. Default: round-robin. */
  auto?: RoutingPolicy;
}

/**
 * Explicit model ids go to that model (fallbacks only when the client opted in); `auto` goes to
 * the auto policy, with the cascade. A policy that throws or names a model without a backend
 * degrades to round-robin and says so in `reason`. Models lacking a capability the request
 * needs (`needs`) are never candidates: for `auto` the first capable one of the cascade answers.
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
  const capabilities = new Map(opts.roster.map((m) => [m.id, new Set(m.capabilities)]));
  const capable = (id: string, needs: readonly string[]) =>
    needs.every((n) => capabilities.get(id)?.has(n as never) === true);
  const decideAuto = async (input: RoutingInput): Promise<RoutingDecision> => {
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
  };
  return {
    name: `explicit+${auto.name}`,
    async decide(input: RoutingInput): Promise<RoutingDecision> {
      // Every routed request generates text; embeddings-only models are never candidates.
      const needs = ["chat", ...(input.needs ?? [])];
      if (input.requestedModel !== AUTO_MODEL) {
        const d = await explicit.decide(input);
        return { ...d, fallbacks: d.fallbacks.filter((id) => capable(id, needs)) };
      }
      const d = await decideAuto(input);
      if (capable(d.modelId, needs))
        return { ...d, fallbacks: d.fallbacks.filter((id) => capable(id, needs)) };
      // The router's pick cannot do what the request needs: the cascade's first capable model answers.
      const [next, ...rest] = d.fallbacks.filter((id) => capable(id, needs));
      // (The pipeline refuses requests no served model can answer before routing them.)
      if (next === undefined) return d;
      return {
        ...d,
        modelId: next,
        fallbacks: rest,
        confidence: null,
        reason: `${d.reason}:needs=${needs.filter((n) => n !== "chat").join("+") || "chat"}`,
      };
    },
  };
}
