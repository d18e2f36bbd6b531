/** Markdown helpers every report section uses. */

/** A number with `digits` decimals, or "–" when there is none. */
export const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

export const row = (cells: Array<string | number>): string => `| ${cells.join(" | ")} |`;

/** A Markdown table. @example table(["a", "b"], [[1, 2]]) */
export const table = (head: string[], rows: Array<Array<string | number>>): string =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
