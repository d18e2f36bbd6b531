import { promptFor } from "../prompts.js";
import { sendChat, type Target } from "../request.js";
import { f, reportView, type Scenario, table } from "./kit.js";

/** Edge cache hits: one priming request, then the same prompt again and again. */
export const cacheHitScenario: Scenario = {
  name: "cache-hit",
  async run(ctx) {
    const { stack, plan, push, measure, closed, base, opts } = ctx;
    if (!stack.edge) return;
    const edgeHit: Target = {
      name: "edge",
      baseUrl: `${stack.edge.url}/v1`,
      headers: { authorization: `Bearer ${stack.apiKey}` },
    };
    // Cache hits: one priming request, then the same prompt again and again.
    for (const stream of [false, true]) {
      const fixedPrompt = `${promptFor("short")} [cache-probe ${Date.now()} ${stream}]`;
      await sendChat(
        edgeHit,
        {
          model: plan.mainModel,
          prompt: fixedPrompt,
          maxTokens: plan.maxTokens,
          stream,
          timeoutMs: plan.timeoutMs,
        },
        performance.now(),
      );
      for (const c of [1, 8]) {
        push(
          (
            await measure(
              edgeHit,
              { ...base, group: "cache-hit", model: plan.mainModel, concurrency: c, prompt: "short", stream },
              closed(c),
              { ...opts, fixedPrompt },
            )
          ).record,
        );
      }
    }
  },
  targets(results) {
    const { runs, backendRuns } = reportView(results);
    const checks: string[][] = [];
    const hit = runs.filter((r) => r.group === "cache-hit" && r.concurrency === 1);
    const minBackendTtft = Math.min(
      ...backendRuns
        .filter((r) => r.concurrency === 1)
        .map((r) => r.summary.ttftMs.p50 ?? Number.POSITIVE_INFINITY),
    );
    for (const h of hit) {
      const hits = h.summary.cache.hit ?? 0;
      const lat = h.summary.latencyMs.p50;
      checks.push([
        `cache hit (${h.stream ? "stream" : "json"}) p50 total`,
        `${f(lat)} ms vs fastest backend TTFT p50 ${f(minBackendTtft)} ms; x-switchyard-cache hit on ${hits}/${h.summary.requests}`,
        lat !== null && lat < minBackendTtft && hits > 0 ? "✅ faster" : "❌",
      ]);
      checks.push([
        `cache hit (${h.stream ? "stream" : "json"}) under 1 ms p50 (measured from the client)`,
        `${f(lat, 2)} ms`,
        lat !== null && lat < 1 && hits > 0 ? "✅" : "❌",
      ]);
      // The client's own round trip to workerd is in the figure above: the floor worker's fixed
      // reply, measured in the same run, is what a worker that does nothing costs from here.
      const floors = runs.filter((r) => r.group === "floor-fixed" && r.concurrency === 1);
      const floor = (floors.find((r) => r.stream === h.stream) ?? floors[0])?.summary.latencyMs.p50;
      if (floor != null && lat !== null)
        checks.push([
          `cache hit (${h.stream ? "stream" : "json"}) under 1 ms p50 over the floor's fixed reply (same run, c=1)`,
          `${f(lat, 2)} ms vs floor ${f(floor, 2)} ms (+${f(lat - floor, 2)})`,
          lat - floor < 1 && hits > 0 ? "✅" : "❌",
        ]);
    }
    return checks;
  },
  section(results) {
    const { runs } = reportView(results);
    const out: string[] = [];
    const cacheRuns = runs.filter((r) => r.group === "cache-hit");
    if (cacheRuns.length) {
      out.push(
        "## Edge cache hits",
        "",
        "The same prompt repeated after one priming request (no `Cache-Control: no-cache`). `x-switchyard-cache` counts show whether the edge really answered from cache.",
        "",
      );
      out.push(
        table(
          ["mode", "c", "ok/req", "x-switchyard-cache", "TTFT p50 ms", "total p50 / p99 ms", "req/s"],
          cacheRuns.map((r) => [
            r.stream ? "SSE" : "JSON",
            r.concurrency,
            `${r.summary.ok}/${r.summary.requests}`,
            Object.entries(r.summary.cache)
              .map(([k, v]) => `${k}: ${v}`)
              .join(", ") || "(no header)",
            f(r.summary.ttftMs.p50),
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
