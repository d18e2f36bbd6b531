/**
 * Renders a dashboard's panels, with data queried from a real Prometheus, as static HTML (inline
 * SVG), laid out by the panels' gridPos. Grafana itself cannot run here (no Docker, no Debian
 * package), so the docs screenshot is Chromium's rendering of this page: same panels, same
 * queries, same data; Grafana's styling is only approximated.
 *
 * @example
 * const html = renderDashboardHtml(edgeDashboard, await queryPanels(promUrl, edgeDashboard, start, end));
 */
import type { Dashboard, Panel } from "./dashboards";

export interface PanelSeries {
  legend: string;
  points: Array<[number, number]>;
}

const COLORS = [
  "#73bf69",
  "#f2cc0c",
  "#5794f2",
  "#ff780a",
  "#b877d9",
  "#f2495c",
  "#8ab8ff",
  "#fade2a",
  "#37872d",
];
const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "–";
  if (unit === "percentunit") return `${(value * 100).toFixed(1)}%`;
  if (unit === "s") return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
  if (unit === "reqps" || unit === "ops") return `${value.toFixed(2)}/s`;
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/** Legend text from a Grafana legendFormat and a series' labels. */
export function legendOf(format: string, labels: Record<string, string>): string {
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "");
}

function lineChart(series: PanelSeries[], unit: string, width: number, height: number): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<div class="nodata">No data</div>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(...ys, 0) * 1.1 || 1;
  const left = 56;
  const bottom = 18;
  const sx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (width - left - 8);
  const sy = (y: number) => 6 + (1 - y / y1) * (height - bottom - 6);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = sy(y1 * f);
      return `<line x1="${left}" x2="${width - 8}" y1="${y}" y2="${y}" stroke="#2c3235"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(formatValue(y1 * f, unit))}</text>`;
    })
    .join("");
  const lines = series
    .map((s, i) => {
      const d = s.points
        .filter((p) => Number.isFinite(p[1]))
        .map((p, j) => `${j === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
        .join("");
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`;
    })
    .join("");
  return `<svg width="${width}" height="${height}">${grid}${lines}</svg>`;
}

function panelBody(panel: Panel, series: PanelSeries[], width: number, height: number): string {
  const unit = String(panel.fieldConfig.defaults.unit ?? "");
  const last = (s: PanelSeries) => s.points.at(-1)?.[1] ?? Number.NaN;
  if (panel.type === "stat") {
    const values = series.map(
      (s) =>
        `<div class="stat">${escapeHtml(formatValue(last(s), unit))}<small>${escapeHtml(s.legend)}</small></div>`,
    );
    return values.length
      ? `<div class="stats">${values.join("")}</div>`
      : `<div class="nodata">No data</div>`;
  }
  if (panel.type === "piechart" || panel.type === "state-timeline") {
    const total = series.reduce((sum, s) => sum + Math.max(0, last(s)), 0) || 1;
    const rows = series.map((s, i) => {
      const v = last(s);
      const label =
        panel.type === "state-timeline"
          ? (["closed", "half-open", "open"][v] ?? String(v))
          : `${((v / total) * 100).toFixed(0)}%`;
      const color =
        panel.type === "state-timeline"
          ? (["#73bf69", "#f2cc0c", "#f2495c"][v] ?? "#888")
          : COLORS[i % COLORS.length];
      const barWidth = panel.type === "state-timeline" ? 100 : (v / total) * 100;
      return `<div class="bar"><span>${escapeHtml(s.legend)}</span><div style="width:${barWidth}%;background:${color}">${escapeHtml(label)}</div></div>`;
    });
    return rows.length ? rows.join("") : `<div class="nodata">No data</div>`;
  }
  const legend = series
    .slice(0, 6)
    .map(
      (s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${escapeHtml(s.legend)}</span>`,
    )
    .join("");
  return `${lineChart(series, unit, width, height - 40)}<div class="legend">${legend}</div>`;
}

/** The whole dashboard as one HTML page, 24 grid columns across `width` pixels. */
export function renderDashboardHtml(d: Dashboard, data: Map<number, PanelSeries[]>, width = 1600): string {
  const column = width / 24;
  const row = 36;
  const panels = d.panels
    .map((p) => {
      const w = p.gridPos.w * column - 8;
      const h = p.gridPos.h * row - 8;
      return `<section style="left:${p.gridPos.x * column}px;top:${p.gridPos.y * row}px;width:${w}px;height:${h}px"><h2>${escapeHtml(p.title)}</h2>${panelBody(p, data.get(p.id) ?? [], w - 16, h - 34)}</section>`;
    })
    .join("");
  const height = Math.max(...d.panels.map((p) => (p.gridPos.y + p.gridPos.h) * row));
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,Helvetica,Arial,sans-serif}
header{padding:10px 12px;font-size:16px;color:#fff}
main{position:relative;height:${height}px;margin:0 4px}
section{position:absolute;box-sizing:border-box;background:#181b1f;border:1px solid #2c3235;border-radius:2px;padding:6px 8px;overflow:hidden}
h2{font-size:13px;font-weight:500;margin:0 0 6px;color:#fff}
svg text{fill:#8e8e8e;font-size:10px}
.legend span{margin-right:10px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
.stats{display:flex;gap:16px}.stat{font-size:28px;color:#73bf69}.stat small{display:block;font-size:11px;color:#8e8e8e}
.bar{display:flex;align-items:center;margin:3px 0}.bar span{width:38%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.bar div{color:#111;padding:1px 4px;min-width:50px}
.nodata{color:#8e8e8e;padding-top:20px;text-align:center}
</style></head><body><header>${escapeHtml(d.title)} <small style="color:#8e8e8e">(panels rendered from Prometheus data by observability/grafana/render-html.ts)</small></header><main>${panels}</main></body></html>`;
}
