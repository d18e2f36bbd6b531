import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { backendMetrics, edgeMetrics } from "../../vocabulary/metrics";
import { checkExpressions } from "./promql";
import { findTool, observabilityDir, repoRoot, run } from "./tools";

const promtool = findTool("promtool");
const prometheusDir = join(observabilityDir, "prometheus");

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alertGroups = parse(readFileSync(join(prometheusDir, "alerts.yml"), "utf8")).groups as Array<{
  name: string;
  rules: AlertRule[];
}>;
const alerts = alertGroups.flatMap((g) => g.rules);

describe.skipIf(!promtool)("prometheus.yml and alerts.yml (promtool)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "switchyard-promconf-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The committed config with only its in-container file paths pointed at a temp dir. */
  function localCopy(): string {
    const config = parse(readFileSync(join(prometheusDir, "prometheus.yml"), "utf8"));
    copyFileSync(join(prometheusDir, "alerts.yml"), join(dir, "alerts.yml"));
    writeFileSync(join(dir, "metrics-token"), "test-token");
    config.rule_files = [join(dir, "alerts.yml")];
    for (const job of config.scrape_configs) {
      if (job.authorization?.credentials_file)
        job.authorization.credentials_file = join(dir, "metrics-token");
    }
    const file = join(dir, "prometheus.yml");
    writeFileSync(file, stringify(config));
    return file;
  }

  it("promtool check config accepts the scrape configuration", () => {
    const result = run(promtool as string, ["check", "config", localCopy()]);
    expect(result.stderr + result.stdout).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("promtool check config rejects a broken copy (the check can fail)", () => {
    const file = localCopy();
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("scrape_interval: 15s", "scrape_interval: fifteen"),
    );
    expect(run(promtool as string, ["check", "config", file]).status).not.toBe(0);
  });

  it("promtool check rules accepts alerts.yml", () => {
    const result = run(promtool as string, ["check", "rules", join(prometheusDir, "alerts.yml")]);
    expect(result.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(result.status).toBe(0);
  });

  it("promtool test rules: every alert fires on bad input and stays quiet on good input", () => {
    const result = run(promtool as string, ["test", "rules", "alerts.test.yml"], { cwd: prometheusDir });
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.status).toBe(0);
  });

  it("promtool rejects a bad expression (the PromQL check can fail)", () => {
    const result = checkExpressions(promtool as string, [
      { name: "bad", expr: "sum by (model) (rate(x[5m])" },
    ]);
    expect(result.status).not.toBe(0);
  });
});

describe("scrape targets", () => {
  const config = parse(readFileSync(join(prometheusDir, "prometheus.yml"), "utf8"));
  const byJob = Object.fromEntries(config.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));

  it("scrapes the edge on 8787 with the metrics bearer token", () => {
    const edge = byJob["switchyard-edge"];
    expect(edge.static_configs[0].targets).toEqual(["edge:8787"]);
    expect(edge.authorization.type).toBe("Bearer");
    expect(edge.authorization.credentials_file).toBeTruthy();
  });

  it("scrapes the five backends on 8081-8085", () => {
    const targets: string[] = byJob["switchyard-backends"].static_configs[0].targets;
    expect(targets.map((t) => Number(t.split(":")[1]))).toEqual([8081, 8082, 8083, 8084, 8085]);
  });
});

describe("alert rules are operable", () => {
  const doc = readFileSync(join(repoRoot, "docs", "observability.md"), "utf8");
  const anchors = new Set(
    [...doc.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      (m[1] as string)
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    ),
  );

  it("covers the required alerts", () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      "SwitchyardHighLatency",
      "SwitchyardLowCacheHitRatio",
      "SwitchyardHighErrorRate",
      "SwitchyardBackendDown",
      "SwitchyardCircuitOpen",
      "SwitchyardRateLimitingSpike",
    ]) {
      expect(names).toContain(required);
    }
  });

  it.each(alerts.map((a) => [a.alert, a] as const))("%s has for, severity, summary and a runbook", (_, a) => {
    expect(a.for).toMatch(/^\d+[smh]$/);
    expect(["critical", "warning", "info"]).toContain(a.labels?.severity);
    expect(a.annotations?.summary).toBeTruthy();
    const runbook = a.annotations?.runbook_url ?? "";
    expect(runbook).toMatch(/^docs\/observability\.md#/);
    expect(anchors).toContain(runbook.split("#")[1]);
  });

  it("uses only metric names Switchyard exports (or up)", () => {
    const known = new Set<string>([...Object.values(backendMetrics), ...Object.values(edgeMetrics), "up"]);
    for (const a of alerts) {
      const names = [...a.expr.matchAll(/\b(switchyard_[a-z0-9_]+|up)\b/g)].map((m) =>
        (m[1] as string).replace(/_(bucket|count|sum)$/, ""),
      );
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(known, `${a.alert}: ${name}`).toContain(name);
    }
  });
});
