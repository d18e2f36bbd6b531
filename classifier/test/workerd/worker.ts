import { catalogueModels } from "../../../edge/src/config/catalogue.js";
import { buildRoster } from "../../../edge/src/config/models.js";
import { createClassifierPolicy } from "../../../edge/src/routing/classifier/index.js";

// Created at top level, as the edge does: one policy (and ONNX session) per isolate.
// The default local roster (every production model), without loadEdgeConfig: it draws random
// development secrets, which workerd forbids at global scope.
const catalogue = catalogueModels();
const backends = Object.fromEntries(
  catalogue.filter((m) => m.kind === "production").map((m) => [m.id, ["http://127.0.0.1:9"]]),
);
const roster = buildRoster({}, backends, catalogue, () => {});
const policy = createClassifierPolicy({ roster, initTimeoutMs: 10_000 });
const ask = (text: string) => ({ requestedModel: "auto", text, lastUserText: text, maxTokens: null });

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/decide" && request.method === "POST") {
      const { prompts } = (await request.json()) as { prompts: string[] };
      const decisions = [];
      for (const p of prompts) decisions.push(await policy.decide(ask(p)));
      return Response.json(decisions);
    }
    if (url.pathname === "/bench") {
      const text = url.searchParams.get("text") ?? "What is the capital of France?";
      const n = Number(url.searchParams.get("n") ?? "2000");
      for (let i = 0; i < 100; i++) await policy.decide(ask(text));
      // performance.now() ticks in whole milliseconds in workerd: time many calls, take the mean
      const t = performance.now();
      for (let i = 0; i < n; i++) await policy.decide(ask(text));
      const msPerDecision = (performance.now() - t) / n;
      return Response.json({ n, ms_per_decision: msPerDecision, reference_ms: referenceLoopMs() });
    }
    return new Response("not found", { status: 404 });
  },
};

/**
 * A fixed CPU workload (2e7 multiply-xor steps, ~25 ms on an idle 2-core VM (about 4 cycles a step)) timed in the same
 * isolate: tells an overloaded machine from a slow router.
 */
function referenceLoopMs(): number {
  const t = performance.now();
  let h = 0x811c9dc5;
  for (let i = 0; i < 20_000_000; i++) h = Math.imul(h ^ i, 0x01000193);
  const ms = performance.now() - t;
  return h === 42 ? ms + 1e-9 : ms; // use h so the loop is not optimised away
}
