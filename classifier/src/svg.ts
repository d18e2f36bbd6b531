import type { CurvePoint, QC } from "./metrics.js";

export interface CurvePlot {
  curve: CurvePoint[];
  singles: Record<string, QC>;
  operating: CurvePoint;
  operatingLabel: string;
  /** The per-task lookup baseline swept over its tolerance, when the data has tasks. */
  lookup?: QC[] | undefined;
  random: QC;
  oracle: QC;
  rule: QC;
  title: string;
}

/** A dependency-free SVG of quality vs cost: the router's curve, single models and baselines. */
export function renderCurveSvg(p: CurvePlot): string {
  const W = 720;
  const H = 460;
  const m = { l: 70, r: 190, t: 40, b: 50 };
  const all: QC[] = [
    ...p.curve,
    ...Object.values(p.singles),
    p.random,
    p.oracle,
    p.rule,
    ...(p.lookup ?? []),
  ];
  const cMax = Math.max(...all.map((x) => x.cost)) * 1.05;
  const qMin = Math.max(0, Math.min(...all.map((x) => x.quality)) - 0.05);
  const qMax = Math.min(1, Math.max(...all.map((x) => x.quality)) + 0.05);
  const X = (c: number) => m.l + (c / cMax) * (W - m.l - m.r);
  const Y = (q: number) => H - m.b - ((q - qMin) / (qMax - qMin)) * (H - m.t - m.b);
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${m.l}" y="22" font-size="15" font-weight="bold">${esc(p.title)}: quality vs cost</text>`,
  );
  for (let k = 0; k <= 5; k++) {
    const q = qMin + ((qMax - qMin) * k) / 5;
    const c = (cMax * k) / 5;
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${f(Y(q))}" y2="${f(Y(q))}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 8}" y="${f(Y(q) + 4)}" text-anchor="end">${q.toFixed(2)}</text>`);
    out.push(`<text x="${f(X(c))}" y="${H - m.b + 18}" text-anchor="middle">${(c * 1e6).toFixed(0)}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`);
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`);
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">mean cost per request (USD x 1e-6)</text>`,
  );
  out.push(
    `<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">mean quality</text>`,
  );
  const line = (xs: QC[], style: string) => {
    const pts = [...xs].sort((a, b) => a.cost - b.cost).map((x) => `${f(X(x.cost))},${f(Y(x.quality))}`);
    out.push(`<polyline points="${pts.join(" ")}" fill="none" ${style}/>`);
  };
  line(p.curve, 'stroke="#1f77b4" stroke-width="2"');
  if (p.lookup) line(p.lookup, 'stroke="#9467bd" stroke-width="1.5" stroke-dasharray="5 3"');
  const dot = (x: QC, color: string, label: string, shape: "c" | "s" = "c") => {
    out.push(
      shape === "c"
        ? `<circle cx="${f(X(x.cost))}" cy="${f(Y(x.quality))}" r="5" fill="${color}"/>`
        : `<rect x="${f(X(x.cost) - 5)}" y="${f(Y(x.quality) - 5)}" width="10" height="10" fill="${color}"/>`,
    );
    out.push(`<text x="${f(X(x.cost) + 8)}" y="${f(Y(x.quality) - 6)}" fill="${color}">${esc(label)}</text>`);
  };
  for (const [name, qc] of Object.entries(p.singles)) dot(qc, "#555", name, "s");
  dot(p.random, "#d62728", "random");
  dot(p.rule, "#ff7f0e", "length/keyword rule");
  dot(p.oracle, "#2ca02c", "oracle");
  dot(p.operating, "#1f77b4", p.operatingLabel);
  const lx = W - m.r + 15;
  out.push(
    `<line x1="${lx}" x2="${lx + 25}" y1="${m.t + 10}" y2="${m.t + 10}" stroke="#1f77b4" stroke-width="2"/>`,
  );
  out.push(`<text x="${lx + 30}" y="${m.t + 14}">router, along its knob</text>`);
  out.push(`<rect x="${lx + 8}" y="${m.t + 25}" width="10" height="10" fill="#555"/>`);
  out.push(`<text x="${lx + 30}" y="${m.t + 34}">single models</text>`);
  if (p.lookup) {
    out.push(
      `<line x1="${lx}" x2="${lx + 25}" y1="${m.t + 50}" y2="${m.t + 50}" stroke="#9467bd" stroke-dasharray="5 3"/>`,
    );
    out.push(`<text x="${lx + 30}" y="${m.t + 54}">per-task lookup (knows the task)</text>`);
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
