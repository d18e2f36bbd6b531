import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { REPORT_FILE, RESULTS_DIR } from "./paths.js";
import type { SoakResult } from "./soak.js";

/** Soak results live apart from the bench's own results files (which the report picks by name). */
export const SOAK_DIR = join(RESULTS_DIR, "soak");
const START = "<!-- soak:start -->";
const END = "<!-- soak:end -->";

/** The report section of one soak run (markdown, between markers so a later soak replaces it). */
export function soakSection(r: SoakResult, file: string): string {
  const s = r.settings;
  const m = r.rssMiB;
  const flat = Math.abs(m.growthPct) <= 10;
  const failures = Object.entries(r.failures)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    START,
    "## Soak: memory and errors under sustained load (workerd)",
    "",
    `From [\`${basename(file)}\`](results/soak/${basename(file)}), started ${r.startedAt}: \`npm run soak -w bench -- --duration-s ${s.durationS} --concurrency ${s.concurrency} --cut-every ${s.cutEvery}\`.`,
    `The edge on workerd itself (no wrangler), ${s.concurrency} concurrent streaming clients for ${s.durationS} s against two loopback fake backends (${s.tokens} tokens, ${s.gapMs} ms apart)${s.cutEvery > 0 ? `; every ${s.cutEvery}th stream is cut half-way on the first backend, so the continuation path runs under load` : ""}.`,
    `Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores${r.loadAverage.start > r.machine.cores ? ", shared with other work" : ""}; 1-minute load average ${r.loadAverage.start} at start, ${r.loadAverage.end} at end.`,
    "",
    "| measure | value |",
    "| --- | --- |",
    `| streams | ${r.requests} (${r.throughputRps}/s) |`,
    `| failed streams | ${r.failed}${failures ? ` (${failures})` : ""} ${r.failed === 0 ? "✅" : "❌"} |`,
    `| cut streams continued whole on the other backend | ${r.continued} |`,
    `| latency per stream p50 / p95 / p99 | ${r.latencyMs.p50?.toFixed(0)} / ${r.latencyMs.p95?.toFixed(0)} / ${r.latencyMs.p99?.toFixed(0)} ms |`,
    `| workerd CPU per stream | ${r.workerdCpuMsPerRequest} ms |`,
    `| workerd RSS after ${s.warmupS} s warm-up → end (max) | ${m.afterWarmup} → ${m.end} MiB (${m.max}): ${m.growthPct > 0 ? "+" : ""}${m.growthPct}% ${flat ? "✅ within 10%" : "❌ over 10%"} |`,
    `| workerd RSS after idling | ${m.idle} MiB |`,
    ...heapRow(r),
    "",
    `RSS over time (s: MiB): ${r.samples.map((x) => `${x.t}: ${Math.round(x.rssMiB)}`).join(", ")}.`,
    ...earlierRuns(file),
    END,
  ].join("\n");
}

/** One line per other soak kept in results/soak (e.g. the run before a fix), for comparison. */
function earlierRuns(current: string): string[] {
  if (!existsSync(SOAK_DIR)) return [];
  const lines = readdirSync(SOAK_DIR)
    .filter((f) => f.endsWith(".json") && f !== basename(current))
    .sort()
    .map((f) => {
      const e = JSON.parse(readFileSync(join(SOAK_DIR, f), "utf8")) as SoakResult;
      const m = e.rssMiB;
      return `- [\`${f}\`](results/soak/${f}) (commit ${e.machine.gitCommit ?? "?"}): ${e.settings.durationS} s, cut every ${e.settings.cutEvery || "never"}; ${e.requests} streams, ${e.failed} failed; RSS ${m.afterWarmup} → ${m.end} MiB (${m.growthPct > 0 ? "+" : ""}${m.growthPct}%).`;
    });
  return lines.length ? ["", "Earlier runs kept for comparison:", ...lines] : [];
}

/** With --heap: the edge isolate's JS heap after a forced GC, after warm-up and at the end. */
function heapRow(r: SoakResult): string[] {
  const heap = r.samples.filter((x) => x.heapMiB !== undefined);
  if (heap.length === 0) return [];
  const warm = heap.find((x) => x.t >= r.settings.warmupS) ?? heap[0];
  const last = heap.at(-1);
  const max = Math.max(...heap.map((x) => x.heapMiB as number));
  return [
    `| edge JS heap after GC, after warm-up → end (max) | ${warm?.heapMiB} → ${last?.heapMiB} MiB (${max}) |`,
  ];
}

/** The newest soak's section, or null when no soak has run (for the report generator). */
export function latestSoakSection(): string | null {
  if (!existsSync(SOAK_DIR)) return null;
  const newest = readdirSync(SOAK_DIR)
    .filter((f) => /^soak-.*\.json$/.test(f))
    .sort()
    .at(-1);
  if (!newest) return null;
  const file = join(SOAK_DIR, newest);
  return soakSection(JSON.parse(readFileSync(file, "utf8")) as SoakResult, file);
}

export function soakResultFile(startedAt: string): string {
  mkdirSync(SOAK_DIR, { recursive: true });
  return join(SOAK_DIR, `soak-${startedAt.replace(/[:.]/g, "-")}.json`);
}

/** Puts the section into bench/report.md, replacing an earlier soak section. */
export function spliceSoakSection(section: string): void {
  const report = existsSync(REPORT_FILE)
    ? readFileSync(REPORT_FILE, "utf8")
    : "# Switchyard benchmark report\n";
  const start = report.indexOf(START);
  const end = report.indexOf(END);
  const next =
    start >= 0 && end > start
      ? report.slice(0, start) + section + report.slice(end + END.length)
      : `${report.trimEnd()}\n\n${section}\n`;
  writeFileSync(REPORT_FILE, next);
}
