/**
 * A small SVG line chart (no dependencies): categorical x axis (e.g. concurrency levels,
 * evenly spaced), linear y axis from 0, one polyline per series, legend on the right.
 *
 * @example
 * lineChart({ title: "tokens/s", xLabel: "concurrency", yLabel: "tok/s", x: [1, 8], series: [{ name: "qwen", values: [900, 2100] }] });
 */
export interface Series {
  name: string;
  values: Array<number | null>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: Array<number | string>;
  series: Series[];
  /** Allow values below zero (e.g. added latency that noise pushed negative). */
  allowNegative?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const W = 720;
const H = 360;
const M = { left: 64, right: 190, top: 40, bottom: 48 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Rounds a span up to a "nice" tick step (1, 2 or 5 times a power of ten). */
export function niceStep(span: number, ticks = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const n = raw / pow;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * pow;
}

export function lineChart(spec: ChartSpec): string {
  const values = spec.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const rawMax = values.length ? Math.max(...values) : 1;
  const rawMin = spec.allowNegative && values.length ? Math.min(0, ...values) : 0;
  const step = niceStep(rawMax - rawMin || 1);
  const yMax = Math.ceil(rawMax / step) * step || step;
  const yMin = Math.floor(rawMin / step) * step;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const xPos = (i: number) => M.left + (spec.x.length <= 1 ? plotW / 2 : (i * plotW) / (spec.x.length - 1));
  const yPos = (v: number) => M.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(spec.title)}</text>`,
  ];
  for (let v = yMin; v <= yMax + step / 2; v += step) {
    const y = yPos(v).toFixed(1);
    out.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="${v === 0 ? "#888" : "#e5e5e5"}"/>`,
    );
    out.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${Number(v.toPrecision(6))}</text>`,
    );
  }
  spec.x.forEach((x, i) => {
    out.push(
      `<text x="${xPos(i).toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle" fill="#444">${esc(String(x))}</text>`,
    );
  });
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const pts = s.values.map((v, i) =>
      v === null || !Number.isFinite(v) ? null : `${xPos(i).toFixed(1)},${yPos(v).toFixed(1)}`,
    );
    // Break the line at missing points instead of drawing across them.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${run.join(" ")}"/>`);
      run = [];
    };
    for (const p of pts) {
      if (p === null) flush();
      else {
        run.push(p);
        const [cx, cy] = p.split(",");
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
      }
    }
    flush();
    const ly = M.top + 10 + si * 20;
    out.push(
      `<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
    );
    out.push(`<text x="${W - M.right + 46}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
