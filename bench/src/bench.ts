import type { Target } from "./request.js";
import type { LoadPlan } from "./runner.js";
import { backendsScenario } from "./scenarios/backends.js";
import { cacheHitScenario } from "./scenarios/cache-hit.js";
import { gatewayScenario } from "./scenarios/gateway.js";
import {
  type BenchPlan,
  type Ctx,
  describe,
  type Log,
  measure,
  type RunRecord,
  type Scenario,
} from "./scenarios/kit.js";
import { openLoopScenario } from "./scenarios/open-loop.js";
import { promptSizeScenario } from "./scenarios/prompt-size.js";
import { rateLimitScenario } from "./scenarios/rate-limit.js";
import { routerScenario } from "./scenarios/router.js";
import type { Stack } from "./stack.js";

export type { BenchPlan, RunGroup, RunRecord } from "./scenarios/kit.js";
export { gatewayTargets } from "./scenarios/kit.js";

/**
 * The real-backend scenarios in the order they run and appear in the report: backends alone
 * first, then the gateway comparison (interleaved per concurrency), then the edge's own features.
 * Each is one module in scenarios/ with what it runs, its targets and its report section.
 */
export const SCENARIOS: Scenario[] = [
  backendsScenario,
  promptSizeScenario,
  openLoopScenario,
  gatewayScenario,
  cacheHitScenario,
  routerScenario,
  rateLimitScenario,
];

/** Runs every scenario the stack allows; returns their records (the results file's `runs`). */
export async function runScenarios(
  stack: Stack,
  plan: BenchPlan,
  log: Log,
  startRateLimitedEdge?: () => Promise<Target | null>,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const main = stack.backends.get(plan.mainModel);
  const ctx: Ctx = {
    stack,
    plan,
    log,
    records,
    push(r) {
      records.push(r);
      log(describe(r));
    },
    measure,
    closed: (c: number): LoadPlan => ({
      mode: "closed",
      concurrency: c,
      requests: plan.requestsAt(c),
      warmup: plan.warmupAt(c),
    }),
    base: { maxTokens: plan.maxTokens },
    opts: { timeoutMs: plan.timeoutMs },
    direct: { name: "direct", baseUrl: `${main?.url}/v1`, headers: {} },
    startRateLimitedEdge,
  };
  for (const scenario of SCENARIOS) {
    // Everything after the backends alone needs the main model's backend.
    if (!main && scenario !== backendsScenario) break;
    await scenario.run(ctx);
  }
  return records;
}
