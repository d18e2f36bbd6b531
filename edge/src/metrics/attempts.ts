import type { EdgeMetrics } from "./registry";

/**
 * The `onAttempt` callback for one request's dispatch: counts every upstream attempt, a retry
 * when the same model is tried again after a failure, and a fallback when the cascade moves on
 * to the next model.
 *
 * @example dispatch({ ..., onAttempt: trackAttempts(deps.metrics) });
 */
export function trackAttempts(metrics: EdgeMetrics): (modelId: string, outcome: string) => void {
  let previous: { model: string; outcome: string } | undefined;
  return (model, outcome) => {
    metrics.upstreamAttempts.inc({ model, outcome });
    // A hedge's loser was cancelled, not retried or fallen back from.
    if (outcome === "cancelled") return;
    if (previous?.model === model && outcome !== "breaker_open") metrics.retries.inc({ model });
    if (previous && previous.model !== model)
      metrics.fallbacks.inc({ from_model: previous.model, to_model: model });
    previous = { model, outcome };
  };
}

type BreakerState = "closed" | "half-open" | "open";
const CIRCUIT_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/**
 * Publishes every backend's circuit state as switchyard_circuit_state (0/1/2).
 *
 * @example recordCircuitStates(deps.metrics, roster.map((m) => m.id), deps.breakerFor);
 */
export function recordCircuitStates(
  metrics: EdgeMetrics,
  modelIds: string[],
  breakerFor: (modelId: string) => { state: BreakerState },
): void {
  for (const model of modelIds) {
    const state = breakerFor(model).state;
    metrics.circuitState.set({ model }, CIRCUIT_VALUE[state]);
  }
}
