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
import { substituteGrafanaVariables } from "../grafana/query-panels";
import { type RunResult, run } from "./tools";

export { substituteGrafanaVariables };

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
