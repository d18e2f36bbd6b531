import type { Target } from "../request.js";
import { f, gatewayTargets, reportView, type Scenario, table } from "./kit.js";

/** Prompt sizes on the main model directly, and non-streaming directly and through the edge. */
export const promptSizeScenario: Scenario = {
  name: "prompt-size",
  async run(ctx) {
    const { stack, plan, push, measure, closed, base, opts, direct } = ctx;
    // Prompt sizes and non-streaming on the main model.
    for (const c of [1, 8]) {
      for (const prompt of ["short", "long"] as const) {
        push(
          (
            await measure(
              direct,
              { ...base, group: "prompt-size", model: plan.mainModel, concurrency: c, prompt, stream: true },
              closed(c),
              opts,
            )
          ).record,
        );
      }
      // Non-streaming, directly and through the edge: same load, so the difference is the edge.
      const edge = stack.edge
        ? (gatewayTargets(stack, plan.mainModel).find((t) => t.name === "edge") as Target)
        : undefined;
      for (const target of edge ? [direct, edge] : [direct]) {
        push(
          (
            await measure(
              target,
              {
                ...base,
                group: "non-streaming",
                model: plan.mainModel,
                concurrency: c,
                prompt: "medium",
                stream: false,
              },
              closed(c),
              opts,
            )
          ).record,
        );
      }
    }
  },
  targets: () => [],
  section(results) {
    const { runs } = reportView(results);
    const out: string[] = [];
    const other = runs.filter((r) => r.group === "prompt-size" || r.group === "non-streaming");
    if (other.length) {
      out.push("### Prompt size and non-streaming", "");
      out.push(
        table(
          [
            "target",
            "model",
            "c",
            "prompt",
            "mode",
            "ok/req",
            "latency p50 / p99 ms",
            "TTFT p50 ms",
            "aggregate tok/s",
          ],
          other.map((r) => [
            r.target,
            r.model,
            r.concurrency,
            r.prompt,
            r.stream ? "SSE" : "JSON",
            `${r.summary.ok}/${r.summary.requests}`,
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p99)}`,
            f(r.summary.ttftMs.p50),
            f(r.summary.aggregateTokensPerSec, 0),
          ]),
        ),
        "",
      );
    }
    return out;
  },
};
