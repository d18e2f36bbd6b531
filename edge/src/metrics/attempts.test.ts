import { describe, expect, it } from "vitest";
import { recordCircuitStates, trackAttempts } from "./attempts";
import { createEdgeMetrics } from "./registry";

describe("trackAttempts", () => {
  it("counts retries of the same model and fallbacks to the next", () => {
    const metrics = createEdgeMetrics();
    const onAttempt = trackAttempts(metrics);
    onAttempt("codegemma-7b", "upstream_503");
    onAttempt("codegemma-7b", "upstream_503");
    onAttempt("qwen2.5-7b-instruct", "breaker_open");
    onAttempt("llama-3.1-8b-instruct", "started");
    const text = metrics.registry.render();
    expect(text).toContain('switchyard_retries_total{model="codegemma-7b"} 1');
    expect(text).toContain(
      'switchyard_fallbacks_total{from_model="codegemma-7b",to_model="qwen2.5-7b-instruct"} 1',
    );
    expect(text).toContain(
      'switchyard_fallbacks_total{from_model="qwen2.5-7b-instruct",to_model="llama-3.1-8b-instruct"} 1',
    );
    expect(text).toContain(
      'switchyard_upstream_attempts_total{model="codegemma-7b",outcome="upstream_503"} 2',
    );
  });

  it("a first-try success is neither a retry nor a fallback", () => {
    const metrics = createEdgeMetrics();
    trackAttempts(metrics)("codegemma-7b", "started");
    const text = metrics.registry.render();
    expect(text).not.toContain("switchyard_retries_total{");
    expect(text).not.toContain("switchyard_fallbacks_total{");
  });
});

describe("recordCircuitStates", () => {
  it("publishes 0/1/2 per backend (one gauge, no older duplicate)", () => {
    const metrics = createEdgeMetrics();
    const states = { a: "closed", b: "half-open", c: "open" } as const;
    recordCircuitStates(metrics, ["a", "b", "c"], (m) => ({ state: states[m as keyof typeof states] }));
    const text = metrics.registry.render();
    expect(text).toContain('switchyard_circuit_state{model="a"} 0');
    expect(text).toContain('switchyard_circuit_state{model="b"} 1');
    expect(text).toContain('switchyard_circuit_state{model="c"} 2');
    expect(text).not.toContain("switchyard_breaker_open");
  });
});
