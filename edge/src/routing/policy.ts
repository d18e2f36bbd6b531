import type { Capability } from "../config";

/**
 * Which models may answer when the requested one cannot: none (an explicit model is served by
 * that model or fails), the size cascade (`auto`, or a client that opted in), or the client's
 * own ordered list (OpenRouter-style `models: [...]`).
 */
export type FallbackChoice = { kind: "none" } | { kind: "cascade" } | { kind: "list"; models: string[] };

/** What a routing policy sees of a request. Features are computed from `text` by the policy itself. */
export interface RoutingInput {
  /** "auto" or a catalogue model id. */
  requestedModel: string;
  /** The prompt as the model will see it (chat messages flattened, system prompt included). */
  text: string;
  /** The user's last message alone (what the classifier's features describe). */
  lastUserText: string;
  maxTokens: number | null;
  /** Fallbacks for an explicit model (ignored for `auto`, which always cascades). Default: none. */
  fallbacks?: FallbackChoice;
  /** What the answering model must support (tools, json_schema, ...); others are never picked. */
  needs?: readonly Capability[];
  /**
   * The caller's own trade-off for this request, when it sent one: quality it accepts to give up vs
   * the best single model, to save cost (overrides the operator's default for the learned router).
   */
  maxQualityLoss?: number | undefined;
}

/** A routing decision: the model to try first, and the cascade to fall back on, in order. */
export interface RoutingDecision {
  modelId: string;
  /** Short machine-readable reason, e.g. "explicit", "round-robin", "classifier:q=0.81", "classifier:q=0.81,budget", "default:classifier-unavailable". */
  reason: string;
  /** Confidence in [0,1] that `modelId` answers well; null when the policy has no notion of it. */
  confidence: number | null;
  /** Models to try next if `modelId` fails before the first token (larger/better first after it). */
  fallbacks: string[];
}

/**
 * Picks the model for a request. Must never throw for a well-formed input: a policy that
 * cannot decide degrades to a safe default and says so in `reason`.
 *
 * @example
 * const d = await policy.decide({ requestedModel: "auto", text, lastUserText: text, maxTokens: 64 });
 */
export interface RoutingPolicy {
  readonly name: string;
  decide(input: RoutingInput): Promise<RoutingDecision>;
}
