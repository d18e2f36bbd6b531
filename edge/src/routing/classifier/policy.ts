import { catalogueModels } from "../../config/catalogue.js";
import { estimateTokens, extractFeatures, FEATURE_DIM, FEATURE_SPEC_VERSION } from "../features/index.js";
import type { RoutingDecision, RoutingInput, RoutingPolicy } from "../policy.js";
import { calibrate, cascadeFrom, chooseModelIndex, requestCosts } from "./decide.js";
import type { RouterMeta } from "./meta.js";
import type { RouterSession } from "./session.js";

/**
 * Size/quality order of the catalogue's production models, small to large (used when neither
 * `available` nor model metadata say otherwise). Ids come from the catalogue, never from here.
 */
export const DEFAULT_CASCADE: readonly string[] = catalogueModels()
  .filter((m) => m.kind === "production")
  .map((m) => m.id);

export interface LoadedRouter {
  session: RouterSession;
  meta: RouterMeta;
}

export interface ClassifierPolicyOptions {
  /**
   * Loads the model once (one session per isolate). Default: the bundled router.onnx with the
   * workerd onnxruntime-web recipe (./workerd.ts), imported lazily so that merely importing this
   * module never pulls wasm into environments that cannot load it.
   */
  load?: () => Promise<LoadedRouter>;
  /** The knob: overrides the metadata's threshold (0 = always cheapest, 1 = most likely to succeed). */
  threshold?: number;
  /** Models actually deployed; the classifier only routes to these. Default: all the model's models. */
  available?: readonly string[];
  /** Where requests go when the classifier cannot decide. Default: the largest model of the cascade. */
  defaultModel?: string;
  /** How long a request waits for the first load before taking the default (ms). Default 1000. */
  initTimeoutMs?: number;
  /** Start loading now rather than on the first request (moves ORT setup into isolate startup). Default true. */
  eager?: boolean;
  /** Told about load/inference failures (the request still gets the default decision). */
  onError?: (err: unknown) => void;
}

/**
 * The learned routing policy: features of the last user message -> LightGBM (ONNX) success
 * probabilities per model -> the cheapest model whose calibrated probability clears the threshold.
 * Never throws: a classifier that fails to load or run degrades to `defaultModel` with a reason
 * such as "default:classifier-unavailable".
 *
 * @example
 * const policy = createClassifierPolicy({ available: Object.keys(backends) });
 * const d = await policy.decide({ requestedModel: "auto", text, lastUserText, maxTokens: null });
 * // { modelId: "gemma-2-9b-it", confidence: 0.83, reason: "classifier:p=0.83", fallbacks: [...] }
 */
export function createClassifierPolicy(opts: ClassifierPolicyOptions = {}): RoutingPolicy {
  const load = opts.load ?? (async () => (await import("./workerd.js")).loadBundledRouter());
  const initTimeoutMs = opts.initTimeoutMs ?? 1000;
  let loading: Promise<LoadedRouter> | null = null;
  let ready: LoadedRouter | null = null;
  let failed = false;
  const features = new Float32Array(FEATURE_DIM);

  const start = (): Promise<LoadedRouter> => {
    loading ??= load()
      .then((r) => {
        checkMeta(r.meta);
        ready = r;
        return r;
      })
      .catch((err: unknown) => {
        failed = true; // a failed ORT init is permanent for the isolate: do not retry per request
        opts.onError?.(err);
        throw err;
      });
    return loading;
  };
  if (opts.eager ?? true) start().catch(() => {});

  const cascadeOrder = (meta: RouterMeta | null) => meta?.cascade ?? DEFAULT_CASCADE;
  const deployed = (meta: RouterMeta | null) => opts.available ?? meta?.models ?? DEFAULT_CASCADE;

  const fallbackDecision = (reason: string): RoutingDecision => {
    const meta = ready?.meta ?? null;
    const avail = deployed(meta);
    const order = cascadeOrder(meta).filter((m) => avail.includes(m));
    const modelId = opts.defaultModel ?? order[order.length - 1] ?? avail[0] ?? DEFAULT_CASCADE.at(-1) ?? "";
    return {
      modelId,
      reason: `default:${reason}`,
      confidence: null,
      fallbacks: cascadeFrom(modelId, order, avail),
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
      const { meta, session } = router;
      const text = input.lastUserText || input.text;
      try {
        extractFeatures(text, features);
        const raw = await session.run(features, 1);
        const probs = calibrate(raw, meta.calibration);
        const avail = deployed(meta);
        const costs = requestCosts(meta, estimateTokens(text));
        // Models that are not deployed can never be picked.
        meta.models.forEach((m, j) => {
          if (!avail.includes(m)) probs[j] = Number.NEGATIVE_INFINITY;
        });
        if (!probs.some(Number.isFinite)) return fallbackDecision("no-deployed-model");
        const j = chooseModelIndex(probs, costs, opts.threshold ?? meta.policy.threshold);
        const modelId = meta.models[j]!;
        const p = probs[j]!;
        return {
          modelId,
          reason: `classifier:p=${p.toFixed(2)}`,
          confidence: Math.round(p * 1e4) / 1e4,
          fallbacks: cascadeFrom(
            modelId,
            cascadeOrder(meta).filter((m) => avail.includes(m)),
            avail,
          ),
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
  if (meta.calibration.length !== meta.models.length)
    throw new Error("router metadata: calibration/models mismatch");
}
