/**
 * Parses PromQL with the real parser: writes expressions as recording rules into a throwaway
 * rules file and runs `promtool check rules` on it.
 *
 * @example
 * const result = checkExpressions(promtool, [{ name: "p95", expr: "histogram_quantile(0.95, ...)" }]);
 * expect(result.status).toBe(0);
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { type RunResult, run } from "./tools";

/** Grafana variables replaced by values promtool accepts (the queries must stay parseable). */
const grafanaVariables: Array<[RegExp, string]> = [
  [/\$__rate_interval/g, "5m"],
  [/\$__interval/g, "1m"],
  [/\$__range/g, "1h"],
  [/\$model/g, ".*"],
];

export function substituteGrafanaVariables(expr: string): string {
  return grafanaVariables.reduce((current, [pattern, value]) => current.replace(pattern, value), expr);
}

export function checkExpressions(promtool: string, exprs: Array<{ name: string; expr: string }>): RunResult {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-promql-"));
  try {
    const file = join(dir, "expressions.rules.yml");
    const rules = exprs.map((e, index) => ({
      record: `switchyard_check:expr_${index}`,
      expr: substituteGrafanaVariables(e.expr),
      labels: { source: e.name.replace(/[^\w .:/()-]/g, "_") },
    }));
    writeFileSync(file, stringify({ groups: [{ name: "dashboard-expressions", rules }] }));
    return run(promtool, ["check", "rules", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
