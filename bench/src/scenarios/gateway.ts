import type { Sample, Target } from "../request.js";
import { summarize } from "../summary.js";
import { lineChart, type Series } from "../svg.js";
import {
  added,
  errs,
  f,
  gatewayTargets,
  mergeSamples,
  type RunRecord,
  reportView,
  type Scenario,
  table,
  writeSvg,
} from "./kit.js";

/** Gateways side by side on the same real backend (direct, floor, edge, Portkey, LiteLLM), interleaved, plus the floor's fixed reply. */
export const gatewayScenario: Scenario = {
  name: "gateway",
  async run(ctx) {
    const { stack, plan, push, measure, closed, base, opts } = ctx;
    // Gateways side by side on the same backend: direct, floor, edge, portkey, litellm.
    const targets = gatewayTargets(stack, plan.mainModel);
    for (const c of plan.concurrencies) {
      const byTarget = new Map<string, { record: RunRecord; samples: Sample[][] }>();
      for (let round = 0; round < plan.rounds; round++) {
        const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
        for (const target of order) {
          const { record, samples } = await measure(
            target,
            {
              ...base,
              group: "gateway",
              model: plan.mainModel,
              concurrency: c,
              prompt: "medium",
              stream: true,
            },
            closed(c),
            opts,
          );
          const entry = byTarget.get(target.name);
          if (entry) entry.samples.push(samples);
          else byTarget.set(target.name, { record, samples: [samples] });
        }
      }
      for (const { record, samples } of byTarget.values()) push(mergeSamples(record, samples, summarize));
      if (stack.floor) {
        const fixed: Target = { name: "floor-fixed", baseUrl: `${stack.floor.url}/fixed/v1`, headers: {} };
        push(
          (
            await measure(
              fixed,
              {
                ...base,
                group: "floor-fixed",
                model: plan.mainModel,
                concurrency: c,
                prompt: "medium",
                stream: true,
              },
              closed(c),
              opts,
            )
          ).record,
        );
      }
    }
  },
  targets(results) {
    const { cs, gw } = reportView(results);
    const checks: string[][] = [];
    for (const c of cs) {
      const edge = added(gw, "edge", c, "ttftMs");
      const floor = added(gw, "floor", c, "ttftMs");
      if (edge === null) continue;
      const peers = ["portkey", "litellm"]
        .map((p) => [p, added(gw, p, c, "ttftMs")] as const)
        .filter(([, v]) => v !== null);
      const nearFloor = floor !== null && edge - floor <= 5;
      const belowPeers = peers.length > 0 && peers.every(([, v]) => edge < (v as number));
      checks.push([
        `edge added TTFT p50 at c=${c}`,
        `${f(edge)} ms (floor ${f(floor)} ms${peers.map(([p, v]) => `, ${p} ${f(v)} ms`).join("")})`,
        `${nearFloor ? "✅" : "❌"} within 5 ms of floor; ${peers.length ? (belowPeers ? "✅ below" : "❌ not below") : "– no"} peers`,
      ]);
    }
    return checks;
  },
  section(results) {
    const { runs, cs, mainModel, gw } = reportView(results);
    const out: string[] = [];
    // ---- gateways
    out.push("## Edge overhead and peers, side by side", "");
    if (!gw.length) out.push("No gateway runs.", "");
    else {
      out.push(
        `All targets proxy to the same backend (${mainModel}), with the same load, unique prompts (no cache anywhere; the edge also gets \`Cache-Control: no-cache\`), streaming, interleaved per concurrency level${Number(results.config.rounds) > 1 ? ` over ${results.config.rounds} rounds with rotating order` : ""}. "Added" is the target's p50 minus the direct backend's p50 at the same concurrency. **floor** is a trivial pass-through worker on the same workerd as the edge (bench/floor-worker), so *edge − floor* is the gateway's own cost.`,
        "",
      );
      const targets = [...new Set(gw.map((r) => r.target))];
      for (const c of cs) {
        const rs = targets
          .map((t) => gw.find((r) => r.target === t && r.concurrency === c))
          .filter((r): r is RunRecord => r !== undefined);
        if (!rs.length) continue;
        out.push(`### c = ${c}`, "");
        out.push(
          table(
            [
              "target",
              "ok/req",
              "errors",
              "TTFT p50 / p95 ms",
              "total p50 / p95 ms",
              "added TTFT p50 ms",
              "added total p50 ms",
              "aggregate tok/s",
              "req/s",
            ],
            rs.map((r) => [
              r.target,
              `${r.summary.ok}/${r.summary.requests}`,
              errs(r),
              `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)}`,
              `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)}`,
              r.target === "direct" ? "–" : f(added(gw, r.target, c, "ttftMs")),
              r.target === "direct" ? "–" : f(added(gw, r.target, c, "latencyMs")),
              f(r.summary.aggregateTokensPerSec, 0),
              f(r.summary.requestsPerSec),
            ]),
          ),
          "",
        );
      }
      const peers = targets.filter((t) => t === "portkey" || t === "litellm");
      if (peers.length && targets.includes("edge")) {
        out.push(
          "### Ratios to Switchyard's edge",
          "",
          "Added latency of the peer divided by the edge's (above 1: the peer adds more), and the peer's aggregate tokens/s divided by the edge's. A ratio is blank when the edge's added latency is at or below zero (within noise).",
          "",
        );
        const head = [
          "c",
          ...peers.flatMap((p) => [`${p} added TTFT ÷ edge`, `${p} added total ÷ edge`, `${p} tok/s ÷ edge`]),
        ];
        out.push(
          table(
            head,
            cs.map((c) => {
              const eT = added(gw, "edge", c, "ttftMs");
              const eL = added(gw, "edge", c, "latencyMs");
              const eTp =
                gw.find((r) => r.target === "edge" && r.concurrency === c)?.summary.aggregateTokensPerSec ??
                null;
              return [
                c,
                ...peers.flatMap((p) => {
                  const pT = added(gw, p, c, "ttftMs");
                  const pL = added(gw, p, c, "latencyMs");
                  const pTp =
                    gw.find((r) => r.target === p && r.concurrency === c)?.summary.aggregateTokensPerSec ??
                    null;
                  return [
                    eT !== null && pT !== null && eT > 0 ? `×${f(pT / eT, 2)}` : "–",
                    eL !== null && pL !== null && eL > 0 ? `×${f(pL / eL, 2)}` : "–",
                    eTp && pTp !== null ? `×${f(pTp / eTp, 2)}` : "–",
                  ];
                }),
              ];
            }),
          ),
          "",
        );
      }
      const addedSeries: Series[] = targets
        .filter((t) => t !== "direct")
        .map((t) => ({ name: t, values: cs.map((c) => added(gw, t, c, "ttftMs")) }));
      const a = writeSvg(
        "gateway-added-ttft.svg",
        lineChart({
          title: "Added TTFT p50 over the direct backend",
          xLabel: "concurrent streams",
          yLabel: "ms",
          x: cs,
          series: addedSeries,
          allowNegative: true,
        }),
      );
      const t = writeSvg(
        "gateway-throughput.svg",
        lineChart({
          title: "Aggregate tokens/s through each gateway",
          xLabel: "concurrent streams",
          yLabel: "tokens/s",
          x: cs,
          series: targets.map((tg) => ({
            name: tg,
            values: cs.map(
              (c) =>
                gw.find((r) => r.target === tg && r.concurrency === c)?.summary.aggregateTokensPerSec ?? null,
            ),
          })),
        }),
      );
      out.push(`![added TTFT](${a})`, "", `![throughput through gateways](${t})`, "");
    }
    const fixed = runs.filter((r) => r.group === "floor-fixed");
    if (fixed.length) {
      out.push(
        "### Platform floor alone (fixed reply, no backend)",
        "",
        "What workerd costs per request when the worker does nothing but answer a fixed 16-token SSE reply.",
        "",
      );
      out.push(
        table(
          ["c", "ok/req", "TTFT p50 / p95 ms", "total p50 / p99 ms", "req/s"],
          fixed.map((r) => [
            r.concurrency,
            `${r.summary.ok}/${r.summary.requests}`,
            `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)}`,
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p99)}`,
            f(r.summary.requestsPerSec),
          ]),
        ),
        "",
      );
    }

    return out;
  },
};
