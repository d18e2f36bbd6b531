import type { Target } from "../request.js";
import { f, gatewayTargets, reportView, type Scenario, table } from "./kit.js";

/** The router: `auto` against fixed models, through the edge, no cache. */
export const routerScenario: Scenario = {
  name: "router",
  async run(ctx) {
    const { stack, plan, push, measure, closed, base, opts } = ctx;
    if (!stack.edge) return;
    // The router: `auto` against fixed models, through the edge, no cache.
    const edgeNoCache = gatewayTargets(stack, plan.mainModel).find((t) => t.name === "edge") as Target;
    for (const c of [1, 8]) {
      for (const model of ["auto", ...plan.routerCompareModels]) {
        push(
          (
            await measure(
              edgeNoCache,
              { ...base, group: "router", model, concurrency: c, prompt: "medium", stream: true },
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
    const routerRuns = runs.filter((r) => r.group === "router");
    if (routerRuns.length) {
      out.push("## The router (`auto`) versus fixed models, through the edge", "");
      out.push(
        table(
          ["model asked", "c", "ok/req", "served by", "TTFT p50 ms", "total p50 / p95 ms", "aggregate tok/s"],
          routerRuns.map((r) => [
            r.model,
            r.concurrency,
            `${r.summary.ok}/${r.summary.requests}`,
            Object.entries(r.servedModels ?? {})
              .map(([k, v]) => `${k} ×${v}`)
              .join(", ") || "?",
            f(r.summary.ttftMs.p50),
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)}`,
            f(r.summary.aggregateTokensPerSec, 0),
          ]),
        ),
        "",
      );
    }
    return out;
  },
};
