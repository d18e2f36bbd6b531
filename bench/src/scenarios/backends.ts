import type { Target } from "../request.js";
import { lineChart } from "../svg.js";
import { errs, f, reportView, type Scenario, saturationPoint, table, writeSvg } from "./kit.js";

/** Each backend directly, streaming, across concurrency: per-model tables, batching check, charts. */
export const backendsScenario: Scenario = {
  name: "backends",
  async run(ctx) {
    const { stack, plan, push, measure, closed, base, opts } = ctx;
    // Each backend directly, streaming, across concurrency.
    for (const model of plan.directModels) {
      const backend = stack.backends.get(model);
      if (!backend) continue;
      const target: Target = { name: "direct", baseUrl: `${backend.url}/v1`, headers: {} };
      for (const c of plan.concurrencies) {
        push(
          (
            await measure(
              target,
              { ...base, group: "backend", model, concurrency: c, prompt: "medium", stream: true },
              closed(c),
              opts,
            )
          ).record,
        );
      }
    }
  },
  targets(results) {
    const { runs, backendRuns } = reportView(results);
    const checks: string[][] = [];
    for (const model of [...new Set(backendRuns.map((r) => r.model))]) {
      const one = backendRuns.find((r) => r.model === model && r.concurrency === 1);
      const eight = backendRuns.find((r) => r.model === model && r.concurrency === 8);
      if (one && eight) {
        const ratio = eight.summary.aggregateTokensPerSec / (one.summary.aggregateTokensPerSec || 1);
        checks.push([
          `${model}: tokens/s at 8 vs 1 stream`,
          `${f(eight.summary.aggregateTokensPerSec, 0)} vs ${f(one.summary.aggregateTokensPerSec, 0)} (×${f(ratio, 2)})`,
          ratio >= 1.3 ? "✅ batching helps" : "❌ no clear gain",
        ]);
      }
    }
    const at32 = runs.filter((r) => r.concurrency === 32 && (r.group === "backend" || r.group === "gateway"));
    if (at32.length) {
      const bad = at32.filter((r) => r.summary.ok < r.summary.requests);
      checks.push([
        "errors at 32 streams",
        bad.length
          ? bad.map((r) => `${r.target}/${r.model}: ${errs(r)}`).join("; ")
          : `none in ${at32.reduce((n, r) => n + r.summary.requests, 0)} requests`,
        bad.length ? "❌" : "✅",
      ]);
    }
    return checks;
  },
  section(results) {
    const { cs, mainModel, backendRuns } = reportView(results);
    const out: string[] = [];
    // ---- per model
    out.push("## Backends directly: per model and concurrency", "");
    out.push(
      `Streaming chat completions, medium prompt, max_tokens ${results.config.maxTokens}, closed loop (each of c workers sends its next request when the last one ends), warm-up excluded. Backends: ${JSON.stringify(results.config.backend)}.`,
      "",
    );
    const models = [...new Set(backendRuns.map((r) => r.model))];
    for (const model of models) {
      const rs = backendRuns.filter((r) => r.model === model).sort((a, b) => a.concurrency - b.concurrency);
      out.push(`### ${model}`, "");
      out.push(
        table(
          [
            "c",
            "ok/req",
            "errors",
            "latency p50 / p95 / p99 ms",
            "TTFT p50 / p95 / p99 ms",
            "per-stream tok/s p50",
            "aggregate tok/s",
            "req/s",
          ],
          rs.map((r) => [
            r.concurrency,
            `${r.summary.ok}/${r.summary.requests}`,
            errs(r),
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)} / ${f(r.summary.latencyMs.p99)}`,
            `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p95)} / ${f(r.summary.ttftMs.p99)}`,
            f(r.summary.streamTokensPerSec.p50, 0),
            f(r.summary.aggregateTokensPerSec, 0),
            f(r.summary.requestsPerSec, 1),
          ]),
        ),
        "",
      );
      const sat = saturationPoint(
        rs.map((r) => ({ concurrency: r.concurrency, tokensPerSec: r.summary.aggregateTokensPerSec })),
      );
      if (sat)
        out.push(
          `Throughput saturates at **c=${sat.concurrency}** (${f(sat.tokensPerSec, 0)} tok/s): beyond it, more concurrency adds less than 10% and only queues (latency grows).`,
          "",
        );
    }
    if (models.length && cs.length > 1) {
      const tp = writeSvg(
        "backend-throughput.svg",
        lineChart({
          title: "Backend aggregate tokens/s",
          xLabel: "concurrent streams",
          yLabel: "tokens/s",
          x: cs,
          series: models.map((model) => ({
            name: model,
            values: cs.map(
              (c) =>
                backendRuns.find((r) => r.model === model && r.concurrency === c)?.summary
                  .aggregateTokensPerSec ?? null,
            ),
          })),
        }),
      );
      const lt = writeSvg(
        "backend-latency.svg",
        lineChart({
          title: `${mainModel}: latency percentiles`,
          xLabel: "concurrent streams",
          yLabel: "ms",
          x: cs,
          series: (["p50", "p95", "p99"] as const).flatMap((p) => [
            {
              name: `total ${p}`,
              values: cs.map(
                (c) =>
                  backendRuns.find((r) => r.model === mainModel && r.concurrency === c)?.summary.latencyMs[
                    p
                  ] ?? null,
              ),
            },
            {
              name: `TTFT ${p}`,
              values: cs.map(
                (c) =>
                  backendRuns.find((r) => r.model === mainModel && r.concurrency === c)?.summary.ttftMs[p] ??
                  null,
              ),
            },
          ]),
        }),
      );
      out.push(`![aggregate tokens/s](${tp})`, "", `![latency](${lt})`, "");
    }

    return out;
  },
};
