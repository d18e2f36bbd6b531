import type { LoadPlan } from "../runner.js";
import { f, reportView, type Scenario, table } from "./kit.js";

/** Open loop (Poisson arrivals) at fractions of the best closed-loop request rate. */
export const openLoopScenario: Scenario = {
  name: "open-loop",
  async run(ctx) {
    const { plan, push, measure, base, opts, direct, records } = ctx;
    // Open loop (Poisson) at fractions of the best closed-loop request rate seen.
    const best = Math.max(
      1,
      ...records
        .filter((r) => r.group === "backend" && r.model === plan.mainModel)
        .map((r) => r.summary.requestsPerSec),
    );
    for (const load of plan.openLoopLoads) {
      const rate = Math.max(1, Math.round(best * load * 10) / 10);
      const openPlan: LoadPlan = {
        mode: "open",
        process: "poisson",
        ratePerSec: rate,
        durationMs: plan.openLoopDurationMs,
        warmup: 4,
        seed: 7,
      };
      push(
        (
          await measure(
            direct,
            {
              ...base,
              group: "open-loop",
              model: plan.mainModel,
              concurrency: 0,
              prompt: "medium",
              stream: true,
            },
            openPlan,
            opts,
          )
        ).record,
      );
    }
  },
  targets: () => [],
  section(results) {
    const { runs } = reportView(results);
    const out: string[] = [];
    const open = runs.filter((r) => r.group === "open-loop");
    if (open.length) {
      out.push(
        "### Open loop (Poisson arrivals)",
        "",
        "Requests arrive at a fixed mean rate whatever the server does, so queueing shows up in latency instead of being hidden by a slower client.",
        "",
      );
      out.push(
        table(
          [
            "target",
            "model",
            "offered req/s",
            "achieved req/s",
            "ok/req",
            "dropped",
            "latency p50 / p95 / p99 ms",
            "TTFT p50 / p99 ms",
          ],
          open.map((r) => [
            r.target,
            r.model,
            f(r.ratePerSec),
            f(r.summary.requestsPerSec),
            `${r.summary.ok}/${r.summary.requests}`,
            r.dropped ?? 0,
            `${f(r.summary.latencyMs.p50)} / ${f(r.summary.latencyMs.p95)} / ${f(r.summary.latencyMs.p99)}`,
            `${f(r.summary.ttftMs.p50)} / ${f(r.summary.ttftMs.p99)}`,
          ]),
        ),
        "",
      );
    }

    return out;
  },
};
