import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { backendMetrics, edgeMetrics } from "../../vocabulary/metrics";
import { type Dashboard, dashboards, panelExpressions } from "../grafana/dashboards";
import { checkExpressions } from "./promql";
import { findTool, observabilityDir } from "./tools";

const promtool = findTool("promtool");
const dashboardsDir = join(observabilityDir, "grafana", "dashboards");
const committed: Dashboard[] = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(dashboardsDir, f), "utf8")));

describe("Grafana dashboards", () => {
  it("the committed JSON is what grafana/dashboards.ts generates (run build-dashboards.ts after edits)", () => {
    expect(committed.map((d) => d.uid).sort()).toEqual(dashboards.map((d) => d.uid).sort());
    for (const d of dashboards) expect(committed.find((c) => c.uid === d.uid)).toEqual(d);
  });

  it("has the panels operators need", () => {
    const titles = committed.flatMap((d) => d.panels.map((p) => p.title));
    for (const wanted of [
      /Throughput per model/,
      /Request latency p50 \/ p95 \/ p99/,
      /Time to first token/,
      /tokens\/s|Tokens generated/i,
      /Router decisions/,
      /Cache hit ratio/,
      /Rate-limited/,
      /Errors/,
      /Fallbacks/,
      /Circuit breaker/,
    ]) {
      expect(
        titles.some((t) => wanted.test(t)),
        String(wanted),
      ).toBe(true);
    }
  });

  it("latency panels use histogram_quantile for p50, p95 and p99", () => {
    const models = committed.find((d) => d.uid === "switchyard-models") as Dashboard;
    const latency = models.panels.find((p) => p.title.startsWith("Request latency"));
    const exprs = latency?.targets.map((t) => t.expr) ?? [];
    expect(exprs.map((e) => e.match(/^histogram_quantile\((0\.\d+),/)?.[1])).toEqual(["0.5", "0.95", "0.99"]);
  });

  it("panels query the provisioned Prometheus datasource and only exported metric names", () => {
    const provisioning = parse(
      readFileSync(join(observabilityDir, "grafana/provisioning/datasources/datasources.yml"), "utf8"),
    );
    const uids = provisioning.datasources.map((d: { uid: string }) => d.uid);
    const known = new Set<string>([...Object.values(backendMetrics), ...Object.values(edgeMetrics), "up"]);
    for (const d of committed) {
      for (const panel of d.panels) {
        expect(uids).toContain(panel.datasource.uid);
        for (const t of panel.targets) {
          for (const m of t.expr.matchAll(/\b(switchyard_[a-z0-9_]+)\b/g)) {
            expect(known, `${panel.title}`).toContain((m[1] as string).replace(/_(bucket|count|sum)$/, ""));
          }
        }
      }
    }
  });

  it.skipIf(!promtool)("every panel expression parses with promtool", () => {
    const exprs = committed.flatMap((d) =>
      panelExpressions(d).map((e) => ({ name: `${d.uid}: ${e.panel}`, expr: e.expr })),
    );
    expect(exprs.length).toBeGreaterThan(20);
    const result = checkExpressions(promtool as string, exprs);
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("the dashboard provider loads the folder the Compose stack mounts the dashboards into", () => {
    const provider = parse(
      readFileSync(join(observabilityDir, "grafana/provisioning/dashboards/dashboards.yml"), "utf8"),
    );
    expect(provider.providers[0].type).toBe("file");
    expect(provider.providers[0].options.path).toBe("/var/lib/grafana/dashboards");
  });
});
