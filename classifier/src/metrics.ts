/** Quality/cost bookkeeping for routing evaluations. All costs are USD per request. */

export interface QC {
  quality: number;
  cost: number;
}

export interface CurvePoint extends QC {
  /** The cost price of the decision rule at this point (0 = best predicted quality at any cost). */
  lambda: number;
}

/** Mean score and cost of picking `choice[i]` for row i. */
export function meanOf(scores: number[][], costs: number[][], choice: ArrayLike<number>): QC {
  let q = 0;
  let c = 0;
  for (let i = 0; i < scores.length; i++) {
    q += scores[i]![choice[i]!]!;
    c += costs[i]![choice[i]!]!;
  }
  return { quality: q / scores.length, cost: c / scores.length };
}

/** Share of rows where the pick reaches the best score available for that row. */
export function optimalRate(scores: number[][], choice: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < scores.length; i++) {
    const row = scores[i]!;
    if (row[choice[i]!]! >= Math.max(...row) - 1e-9) hits++;
  }
  return hits / scores.length;
}

/** Per row: the best-scoring model, ties to the cheaper one. */
export function oracleChoice(scores: number[][], costs: number[][]): number[] {
  return scores.map((row, i) => {
    const best = Math.max(...row);
    let pick = -1;
    row.forEach((s, j) => {
      if (s >= best - 1e-12 && (pick < 0 || costs[i]![j]! < costs[i]![pick]!)) pick = j;
    });
    return pick;
  });
}

/** Expected quality and cost of a uniformly random pick. */
export function randomBaseline(scores: number[][], costs: number[][]): QC {
  let q = 0;
  let c = 0;
  for (let i = 0; i < scores.length; i++) {
    const m = scores[i]!.length;
    q += scores[i]!.reduce((a, b) => a + b, 0) / m;
    c += costs[i]!.reduce((a, b) => a + b, 0) / m;
  }
  return { quality: q / scores.length, cost: c / scores.length };
}

/**
 * RouterBench-style AIQ: the area under the upper envelope of the (cost, quality) points over
 * [costLo, costHi], divided by the width. Non-dominated points are joined linearly (mixing two
 * operating points at random achieves any point between them); the envelope is flat right of the
 * last point and zero left of the cheapest point (the router cannot operate there).
 * Same definition as classifier/python/train.py's `aiq`, so CV and test numbers compare.
 */
export function aiq(points: QC[], costLo: number, costHi: number): number {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const front: QC[] = [];
  for (const p of sorted)
    if (front.length === 0 || p.quality > front[front.length - 1]!.quality) front.push(p);
  if (!(costHi > costLo)) return Math.max(...front.map((p) => p.quality));
  const steps = 400;
  let area = 0;
  let prevX = costLo;
  let prevY = envelope(front, costLo);
  for (let k = 1; k < steps; k++) {
    const x = costLo + ((costHi - costLo) * k) / (steps - 1);
    const y = envelope(front, x);
    area += ((y + prevY) / 2) * (x - prevX);
    prevX = x;
    prevY = y;
  }
  return area / (costHi - costLo);
}

function envelope(front: QC[], x: number): number {
  const first = front[0]!;
  if (x < first.cost) return 0;
  for (let i = 1; i < front.length; i++) {
    const a = front[i - 1]!;
    const b = front[i]!;
    if (x <= b.cost) return a.quality + ((b.quality - a.quality) * (x - a.cost)) / (b.cost - a.cost || 1);
  }
  return front[front.length - 1]!.quality;
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Costs are tiny USD amounts: keep 4 significant digits. */
export function roundCost(x: number): number {
  return Number(x.toPrecision(4));
}

/** An operating point with what it scored on each row: enough for paired comparisons. */
export interface RowPoint extends QC {
  /** Quality on each row (a mixture's expected quality where the point mixes two policies). */
  rows: number[];
}

/** Per-row scores of picking `choice[i]` for row i, with the mean cost. */
export function rowPoint(scores: number[][], costs: number[][], choice: ArrayLike<number>): RowPoint {
  const rows = scores.map((r, i) => r[choice[i]!]!);
  const { quality, cost } = meanOf(scores, costs, choice);
  return { quality, cost, rows };
}

/** The non-dominated points, cheapest first, each strictly better than the previous. */
export function frontier<T extends QC>(points: T[]): T[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const out: T[] = [];
  for (const p of sorted)
    if (out.length === 0 || p.quality > out[out.length - 1]!.quality + 1e-12) out.push(p);
  return out;
}

/**
 * What randomly mixing two neighbouring frontier points achieves at mean cost `cost` (the same
 * linear interpolation AIQ integrates); null when `cost` is below the cheapest point. Right of
 * the last point, the last point (spending more buys nothing).
 */
export function atCost(points: RowPoint[], cost: number): RowPoint | null {
  const front = frontier(points);
  const first = front[0];
  if (!first || cost < first.cost - 1e-15) return null;
  for (let k = 1; k < front.length; k++) {
    const a = front[k - 1]!;
    const b = front[k]!;
    if (cost <= b.cost) {
      const w = b.cost > a.cost ? (cost - a.cost) / (b.cost - a.cost) : 1;
      return {
        quality: a.quality + w * (b.quality - a.quality),
        cost,
        rows: a.rows.map((x, i) => x + w * (b.rows[i]! - x)),
      };
    }
  }
  return front[front.length - 1]!;
}

/** Mean and standard error of the per-row difference a - b (a paired comparison on the same rows). */
export function pairedDiff(a: number[], b: number[]): { diff: number; se: number } {
  const n = a.length;
  const d = a.map((x, i) => x - b[i]!);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { diff: mean, se: Math.sqrt(variance / n) };
}

/** Standard error of a mean of per-row values. */
export function standardError(xs: number[]): number {
  return pairedDiff(
    xs,
    xs.map(() => 0),
  ).se;
}
