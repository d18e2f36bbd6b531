import type { MetricFamily } from "./snapshot";

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/**
 * Renders metric families in the Prometheus text exposition format (version 0.0.4).
 *
 * @example
 * renderFamilies([{ name: "x_total", type: "counter", help: "X", buckets: [], series: [] }]);
 */
export function renderFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.series) {
      if (f.type !== "histogram") {
        lines.push(`${f.name}${labelText(s.labels)} ${s.value}`);
        continue;
      }
      f.buckets.forEach((le, i) => {
        lines.push(`${f.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i] ?? 0}`);
      });
      lines.push(`${f.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(
        `${f.name}_sum${labelText(s.labels)} ${s.sum}`,
        `${f.name}_count${labelText(s.labels)} ${s.count}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
