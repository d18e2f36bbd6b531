import type { RosterModel } from "../../config/index.js";
import { cascadeAfter } from "../cascade.js";
import { estimateTokens, extractFeatures, FEATURE_DIM, FEATURE_SPEC_VERSION } from "../features/index.js";
import type { RoutingDecision, RoutingInput, RoutingPolicy } from "../policy.js";
import { chooseModelIndex, lambdaForLoss, requestCosts } from "./decide.js";
import type { RouterMeta } from "./meta.js";
import type { RouterSession } from "./session.js";

export interface LoadedRouter {
  session: RouterSession;
  meta: RouterMeta;
}

/** A loaded router with the knob resolved and the deployed-model mask, ready for requests. */
interface PreparedRouter extends LoadedRouter {
  lambda: number;
  mask: boolean[];
}

export interface ClassifierPolicyOptions {
  /** The deployed models in cascade order (EdgeConfig.roster): the classifier only routes to these. */
  roster: RosterModel[];
  /**
   * Loads the model once (one session per isolate). Default: the bundled router.onnx with the
   * workerd onnxruntime-web recipe (./workerd.ts), imported lazily so that merely importing this
   * module never pulls wasm into environments that cannot load it.
   */
  load?: () => Promise<LoadedRouter>;
  /**
   * The operator's knob: quality (mean score in [0,1]) routing may give up vs the best single
   * model to save cost. Default: the model's own `policy.lambda` (the knee of its training curve).
   */
  maxQualityLoss?: number;
  /** Where requests go when the classifier cannot decide. Default: the largest model of the roster. */
  defaultModel?: string;
  /** How long a request waits for the first load before taking the default (ms). Default 1000. */
  initTimeoutMs?: number;
  /** Start loading now rather than on the first request (moves ORT setup into isolate startup). Default true. */
  eager?: boolean;
  /** Told about load/inference failures (the request still gets the default decision). */
  onError?: (err: unknown) => void;
}

/**
 * The learned routing policy: features of the last user message -> per-model expected quality
 * (LightGBM regressors in one ONNX graph) -> the model with the best quality minus a price of cost.
 * Never throws: a classifier that fails to load or run degrades to `defaultModel` with a reason
 * such as "default:classifier-unavailable". Fallbacks follow the roster's one cascade (cascadeAfter).
 *
 * @example
 * const policy = createClassifierPolicy({ roster: config.roster, maxQualityLoss: 0.01 });
 * const d = await policy.decide({ requestedModel: "auto", text, lastUserText, maxTokens: null });
 * // { modelId: "gemma-2-9b-it", confidence: 0.83, reason: "classifier:q=0.83", fallbacks: [...] }
 */
export function createClassifierPolicy(opts: ClassifierPolicyOptions): RoutingPolicy {
  const load = opts.load ?? (async () => (await import("./workerd.js")).loadBundledRouter());
  const initTimeoutMs = opts.initTimeoutMs ?? 1000;
  const roster = opts.roster;
  const deployed = new Set(roster.map((m) => m.id));
  const largest = [...roster].reverse().find((m) => m.tier !== null) ?? roster[0];
  let loading: Promise<PreparedRouter> | null = null;
  let ready: PreparedRouter | null = null;
  let failed = false;
  const features = new Float32Array(FEATURE_DIM);
  const quality: number[] = [];

  const start = (): Promise<PreparedRouter> => {
    loading ??= load()
      .then((r) => {
        checkMeta(r.meta);
        const { policy } = r.meta;
        const lambda =
          opts.maxQualityLoss === undefined ? policy.lambda : lambdaForLoss(policy, opts.maxQualityLoss);
        const mask = r.meta.models.map((m) => deployed.has(m));
        ready = { ...r, lambda, mask };
        return ready;
      })
      .catch((err: unknown) => {
        failed = true; // a failed ORT init is permanent for the isolate: do not retry per request
        opts.onError?.(err);
        throw err;
      });
    return loading;
  };
  if (opts.eager ?? true) start().catch(() => {});

  const fallbackDecision = (reason: string): RoutingDecision => {
    const modelId = opts.defaultModel ?? largest?.id ?? "";
    return {
      modelId,
      reason: `default:${reason}`,
      confidence: null,
      fallbacks: cascadeAfter(roster, modelId),
    };
  };

  return {
    name: "classifier",
    async decide(input: RoutingInput): Promise<RoutingDecision> {
      if (failed) return fallbackDecision("classifier-unavailable");
      let router = ready;
      if (!router) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), initTimeoutMs);
        });
        router = await Promise.race([start(), timeout]).catch(() => null);
        clearTimeout(timer);
        if (!router) return fallbackDecision(failed ? "classifier-unavailable" : "classifier-timeout");
      }
      const { meta, session, mask } = router;
      const text = input.lastUserText || input.text;
      try {
        extractFeatures(text, features);
        const raw = await session.run(features, 1);
        quality.length = raw.length;
        // Models that are not deployed can never be picked.
        for (let j = 0; j < raw.length; j++) quality[j] = mask[j] ? raw[j]! : Number.NEGATIVE_INFINITY;
        const own = input.maxQualityLoss;
        const lambda = own === undefined ? router.lambda : lambdaForLoss(meta.policy, own);
        const j = chooseModelIndex(
          quality,
          requestCosts(meta, estimateTokens(text)),
          lambda,
          meta.policy.cost_scale,
        );
        if (j < 0) return fallbackDecision("no-deployed-model");
        const modelId = meta.models[j]!;
        const q = quality[j]!;
        return {
          modelId,
          reason: `classifier:q=${q.toFixed(2)}${own === undefined ? "" : ",budget"}`,
          confidence: Math.round(q * 1e4) / 1e4,
          fallbacks: cascadeAfter(roster, modelId),
        };
      } catch (err) {
        opts.onError?.(err);
        return fallbackDecision("classifier-error");
      }
    },
  };
}

function checkMeta(meta: RouterMeta): void {
  if (meta.features.spec_version !== FEATURE_SPEC_VERSION || meta.features.dim !== FEATURE_DIM) {
    throw new Error(
      `router model expects features ${meta.features.spec_version}/${meta.features.dim}, worker computes ${FEATURE_SPEC_VERSION}/${FEATURE_DIM}`,
    );
  }
  if (meta.format !== "switchyard-router/2" || !(meta.policy?.loss_table?.length > 0))
    throw new Error(`router metadata: format ${meta.format} is not switchyard-router/2 (retrain)`);
}
