import type { LoadPlan } from "../runner.js";
import { f, reportView, type Scenario, table } from "./kit.js";

/** Rate limited: an edge whose token bucket is tiny; most requests should get 429 fast. */
export const rateLimitScenario: Scenario = {
  name: "rate-limit",
  async run(ctx) {
    const { plan, push, measure, base, opts, startRateLimitedEdge } = ctx;
    // Rate limited: an edge whose token bucket is tiny; most requests should get 429 fast.
    if (startRateLimitedEdge) {
      const limited = await startRateLimitedEdge();
      if (limited) {
        const plan8: LoadPlan = {
          mode: "closed",
          concurrency: 8,
          requests: plan.quick ? 40 : 200,
          warmup: 0,
        };
        push(
          (
            await measure(
              limited,
              {
                ...base,
                maxTokens: 8,
                group: "rate-limit",
                model: plan.mainModel,
                concurrency: 8,
                prompt: "short",
                stream: false,
              },
              plan8,
              { ...opts, headers: { "cache-control": "no-cache" } },
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
    const limited = runs.filter((r) => r.group === "rate-limit");
    if (limited.length) {
      out.push(
        "## Rate limiting",
        "",
        "A second edge whose token bucket holds 5 requests and refills 1 per second; 8 concurrent clients on one key.",
        "",
      );
      out.push(
        table(
          ["c", "requests", "answered", "429", "other errors", "429 latency p50 / p99 ms"],
          limited.map((r) => [
            r.concurrency,
            r.summary.requests,
            r.summary.ok,
            r.summary.errors.http_429 ?? 0,
            r.summary.requests - r.summary.ok - (r.summary.errors.http_429 ?? 0),
            `${f(r.rejectedLatencyMs?.p50)} / ${f(r.rejectedLatencyMs?.p99)}`,
          ]),
        ),
        "",
      );
    }
    return out;
  },
};
