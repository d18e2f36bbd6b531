import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as ort from "onnxruntime-web/wasm";
import { describe, expect, it } from "vitest";
import { cascadeAfter } from "../../edge/src/routing/cascade.js";
import { createClassifierPolicy, type LoadedRouter } from "../../edge/src/routing/classifier/index.js";
import { createOrtRouterSession, type OrtLike } from "../../edge/src/routing/classifier/session.js";
import { extractFeatures } from "../../edge/src/routing/features/index.js";
import { loadNodeRouterSession } from "../src/ort-node.js";
import { ROSTER, readParity, readShippedMeta, SHIPPED_MODEL_DIR } from "./helpers/shipped.js";

const meta = readShippedMeta();
const loadShipped = async (): Promise<LoadedRouter> => ({
  session: await loadNodeRouterSession(SHIPPED_MODEL_DIR, meta),
  meta,
});
const ask = (text: string) => ({ requestedModel: "auto", text, lastUserText: text, maxTokens: null });
const LARGEST = ROSTER[ROSTER.length - 1]!.id;

describe("classifier policy in Node (onnxruntime-web) vs the Python side (parity)", () => {
  const parity = readParity();

  it("ships the model the parity sample was recorded from", () => {
    const sha = createHash("sha256")
      .update(readFileSync(resolve(SHIPPED_MODEL_DIR, "router.onnx")))
      .digest("hex");
    expect(sha).toBe(parity.onnx_sha256);
    expect(readFileSync(resolve(SHIPPED_MODEL_DIR, "router.onnx")).length).toBeLessThan(1024 * 1024);
    expect(parity.models).toEqual(meta.models);
    expect(parity.lambda).toBe(meta.policy.lambda);
    // a sample where every decision is the same model would prove little
    expect(new Set(parity.rows.map((r) => r.model)).size).toBeGreaterThanOrEqual(2);
  });

  it("computes the same predicted quality as LightGBM in Python (float32 tolerance)", async () => {
    const { session } = await loadShipped();
    for (const row of parity.rows) {
      const out = await session.run(extractFeatures(row.prompt), 1);
      for (const [j, q] of Array.from(out).entries()) expect(q).toBeCloseTo(row.quality[j]!, 5);
    }
  });

  it("makes the same decisions as the Python side, with confidence, reason and cascade", async () => {
    const policy = createClassifierPolicy({ roster: ROSTER, load: loadShipped });
    let same = 0;
    for (const row of parity.rows) {
      const d = await policy.decide(ask(row.prompt));
      expect(d.modelId, row.prompt).toBe(row.model);
      expect(d.confidence!).toBeCloseTo(row.confidence, 4);
      expect(d.reason).toBe(`classifier:q=${row.confidence.toFixed(2)}`);
      expect(d.fallbacks).toEqual(cascadeAfter(ROSTER, d.modelId));
      same++;
    }
    expect(same).toBe(parity.rows.length);
  });

  it("makes repeated warm decisions consistently (and reports their mean cost)", async () => {
    const policy = createClassifierPolicy({ roster: ROSTER, load: loadShipped });
    const text = parity.rows[3]!.prompt;
    for (let i = 0; i < 50; i++) await policy.decide(ask(text));
    const n = 300;
    const t = performance.now();
    for (let i = 0; i < n; i++) await policy.decide(ask(text));
    const ms = (performance.now() - t) / n;
    console.log(`warm decision in Node: ${ms.toFixed(3)} ms mean over ${n}`);
    expect(Number.isFinite(ms)).toBe(true);
    const again = await policy.decide(ask(text));
    expect(again).toEqual(await policy.decide(ask(text)));
  });

  it("only routes to deployed models, and honours the quality-loss knob and a per-request one", async () => {
    const deployed = ROSTER.slice(-2);
    const policy = createClassifierPolicy({ roster: deployed, load: loadShipped });
    for (const row of parity.rows.slice(0, 15)) {
      const d = await policy.decide(ask(row.prompt));
      expect(deployed.map((m) => m.id)).toContain(d.modelId);
      expect([d.modelId, ...d.fallbacks].sort()).toEqual(deployed.map((m) => m.id).sort());
    }
    const price = (id: string) => meta.prices[id]!.input_usd_per_mtok;
    const cheapestPrice = Math.min(...meta.models.map(price));
    // giving up to 1 point of quality means "always the cheapest": the training table's last lambda
    const thrifty = createClassifierPolicy({ roster: ROSTER, load: loadShipped, maxQualityLoss: 1 });
    const qualityFirst = createClassifierPolicy({ roster: ROSTER, load: loadShipped, maxQualityLoss: 0 });
    const spend = { thrifty: 0, qualityFirst: 0 };
    for (const row of parity.rows) {
      const t = await thrifty.decide(ask(row.prompt));
      expect(price(t.modelId)).toBe(cheapestPrice);
      expect(t.reason).toMatch(/^classifier:q=\d\.\d\d$/);
      spend.thrifty += price(t.modelId);
      spend.qualityFirst += price((await qualityFirst.decide(ask(row.prompt))).modelId);
    }
    expect(spend.qualityFirst).toBeGreaterThan(spend.thrifty);
    const own = await qualityFirst.decide({ ...ask(parity.rows[0]!.prompt), maxQualityLoss: 1 });
    expect(price(own.modelId)).toBe(cheapestPrice);
    expect(own.reason).toMatch(/^classifier:q=\d\.\d\d,budget$/);
  });
});

describe("classifier policy degrades, never throws", () => {
  const expectDefault = (
    d: Awaited<ReturnType<ReturnType<typeof createClassifierPolicy>["decide"]>>,
    reason: string,
  ) => {
    expect(d.reason).toBe(reason);
    expect(d.modelId).toBe(LARGEST);
    expect(d.confidence).toBeNull();
    expect(d.fallbacks).toEqual(cascadeAfter(ROSTER, LARGEST));
    expect(d.fallbacks).toHaveLength(ROSTER.length - 1);
  };

  it("on a broken model file", async () => {
    const errors: unknown[] = [];
    const garbage = new Uint8Array(4096).map((_, i) => (i * 31) % 251);
    const policy = createClassifierPolicy({
      roster: ROSTER,
      load: async () => ({
        session: await createOrtRouterSession(ort as unknown as OrtLike, garbage, meta),
        meta,
      }),
      onError: (e) => errors.push(e),
    });
    expectDefault(await policy.decide(ask("What is 2 + 2?")), "default:classifier-unavailable");
    expectDefault(await policy.decide(ask("again")), "default:classifier-unavailable");
    expect(errors).toHaveLength(1); // loaded once, failed once, not retried per request
  });

  it("on a model trained for another feature layout", async () => {
    const stale = { ...meta, features: { spec_version: "sy-features-0", dim: 12 } };
    const policy = createClassifierPolicy({
      roster: ROSTER,
      load: async () => ({ ...(await loadShipped()), meta: stale }),
    });
    expectDefault(await policy.decide(ask("hello")), "default:classifier-unavailable");
  });

  it("when loading is slow (timeout), then classifies once loaded", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const policy = createClassifierPolicy({
      roster: ROSTER,
      load: async () => {
        await gate;
        return loadShipped();
      },
      initTimeoutMs: 30,
    });
    expectDefault(await policy.decide(ask("hello")), "default:classifier-timeout");
    release();
    await new Promise((r) => setTimeout(r, 50));
    let d = await policy.decide(ask("hello"));
    for (let i = 0; i < 100 && !d.reason.startsWith("classifier:"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      d = await policy.decide(ask("hello"));
    }
    expect(d.reason).toMatch(/^classifier:q=\d\.\d\d$/);
  });

  it("when inference fails at request time", async () => {
    const policy = createClassifierPolicy({
      roster: ROSTER,
      load: async () => ({ meta, session: { run: () => Promise.reject(new Error("boom")) } }),
    });
    expectDefault(await policy.decide(ask("hello")), "default:classifier-error");
  });

  it("when the bundled (workerd-only) model cannot be imported, as in plain Node", async () => {
    const policy = createClassifierPolicy({ roster: ROSTER, initTimeoutMs: 20_000 });
    expectDefault(await policy.decide(ask("hello")), "default:classifier-unavailable");
  });
});
