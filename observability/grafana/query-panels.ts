/**
 * Queries every panel of a dashboard from a real Prometheus over a short time range, as the data
 * for renderDashboardHtml. Shared by the observability stack test and `npm run demo`.
 *
 * @example
 * const html = renderDashboardHtml(edgeDashboard, await queryPanels(promUrl, edgeDashboard, start, end));
 */
import type { Dashboard } from "./dashboards";
import { legendOf, type PanelSeries } from "./render-html";

/** Grafana variables replaced by values Prometheus (and promtool) accept. */
const grafanaVariables: Array<[RegExp, string]> = [
  [/\$__rate_interval/g, "5m"],
  [/\$__interval/g, "1m"],
  [/\$__range/g, "1h"],
  [/\$model/g, ".*"],
];

export function substituteGrafanaVariables(expr: string): string {
  return grafanaVariables.reduce((current, [pattern, value]) => current.replace(pattern, value), expr);
}

/**
 * Each panel's series between `start` and `end` (Unix seconds, step 2 s). Windows shrink to fit a
 * run of a few minutes ([5m] to [30s], [1h] to [2m]); a query Prometheus rejects throws, naming it.
 */
export async function queryPanels(
  promUrl: string,
  dashboard: Dashboard,
  start: number,
  end: number,
): Promise<Map<number, PanelSeries[]>> {
  const data = new Map<number, PanelSeries[]>();
  for (const panel of dashboard.panels) {
    const series: PanelSeries[] = [];
    for (const target of panel.targets) {
      const query = substituteGrafanaVariables(target.expr).replace("[5m]", "[30s]").replace("[1h]", "[2m]");
      const url = `${promUrl}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start}&end=${end}&step=2`;
      const body = (await (await fetch(url)).json()) as {
        status: string;
        error?: string;
        data?: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
      };
      if (body.status !== "success")
        throw new Error(`Prometheus rejected ${query}: ${body.error ?? body.status}`);
      for (const r of body.data?.result ?? []) {
        series.push({
          legend: legendOf(target.legendFormat, r.metric),
          points: r.values.map(([t, v]) => [t, Number(v)]),
        });
      }
    }
    data.set(panel.id, series);
  }
  return data;
}
