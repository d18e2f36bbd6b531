import { describe, expect, it } from "vitest";
import { cascadeFrom } from "../../edge/src/routing/classifier/decide.js";
import { createClassifierPolicy } from "../../edge/src/routing/classifier/index.js";
import meta from "../../edge/src/routing/model/router.meta.json";
import parity from "../artifacts/router/parity.json";

const ask = (text: string) => ({ requestedModel: "auto", text, lastUserText: text, maxTokens: null });

describe("classifier policy inside workerd (bundled model, onnxruntime-web wasm recipe)", () => {
  const policy = createClassifierPolicy(); // the default: bundled router.onnx, session once per isolate

  it("decides exactly as the Python side on the parity sample", async () => {
    for (const row of parity.rows) {
      const d = await policy.decide(ask(row.prompt));
      expect(d.reason, row.prompt).toMatch(/^classifier:p=/);
      expect(d.modelId, row.prompt).toBe(row.model);
      expect(d.confidence!).toBeCloseTo(row.confidence, 4);
      expect(d.fallbacks).toEqual(cascadeFrom(d.modelId, meta.cascade));
    }
  });

  it("takes well under a millisecond per warm decision", async () => {
    const text = parity.rows[3]!.prompt;
    for (let i = 0; i < 100; i++) await policy.decide(ask(text));
    // performance.now() ticks in whole milliseconds in workerd: time many calls, take the mean
    const n = 2000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await policy.decide(ask(text));
    const ms = (performance.now() - t) / n;
    console.log(`warm decision in workerd: ${(ms * 1000).toFixed(1)} us mean over ${n}`);
    expect(ms).toBeLessThan(1);
  });
});
