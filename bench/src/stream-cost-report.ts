import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RESULTS_DIR } from "./paths.js";
import { table } from "./scenarios/markdown.js";

interface StreamCostResults {
  machine: { cpuModel: string; cores: number; loadAvgStart?: number; gitCommit?: string };
  rows: Array<{ variant: string; concurrency: number; requests: number; cpuMsPerRequest: number }>;
}

const LABELS: Record<string, string> = {
  native: "body piped to the client natively (what the floor does)",
  readEach: "each chunk read in JavaScript and enqueued as it came",
  relay: "each chunk read, its events parsed and re-serialised (the least a relay that owns the reply does)",
  teeNative: "tee'd: one branch piped natively, the other read once at the end",
  spliced:
    "spliced: the first chunk read and written, the rest tee'd, piped natively into the response, the copy read once, closing bytes written (what the edge's spliced relay does at the least)",
};

/** The section of the newest `npm run stream-cost -w bench` run, or null when there is none. */
export function latestStreamCostSection(): string[] | null {
  const files = readdirSync(RESULTS_DIR)
    .filter((f) => f.startsWith("stream-cost-") && f.endsWith(".json"))
    .sort();
  const file = files.at(-1);
  if (!file) return null;
  const r = JSON.parse(readFileSync(join(RESULTS_DIR, file), "utf8")) as StreamCostResults;
  const levels = [...new Set(r.rows.map((x) => x.concurrency))].sort((a, b) => a - b);
  const variants = [...new Set(r.rows.map((x) => x.variant))];
  const cell = (v: string, c: number) =>
    r.rows.find((x) => x.variant === v && x.concurrency === c)?.cpuMsPerRequest.toFixed(2) ?? "–";
  return [
    "## What streaming costs a worker on workerd",
    "",
    `From [\`${file}\`](results/${file}) (\`npm run stream-cost -w bench\`; ${r.machine.cpuModel}, ${r.machine.cores} cores, load ${r.machine.loadAvgStart ?? "?"}, commit ${r.machine.gitCommit ?? "?"}). Minimal workers stream the same fake upstream (20 ms to the first token, 20 chunks 5 ms apart) by touching its body in different ways; CPU ms per request of the workerd process.`,
    "",
    table(
      ["how the body is handled", `CPU ms/request c=${levels.join(" / ")}`],
      variants.map((v) => [LABELS[v] ?? v, levels.map((c) => cell(v, c)).join(" / ")]),
    ),
    "",
    "Reading each chunk in JavaScript is what costs: parsing and re-serialising add little. A relay that owns every byte it sends reads each chunk, so its floor is the `relay` row, above both CPU targets (half of Portkey's, the floor plus 1.5 ms). The `spliced` row (pipe natively after the first token, watch a tee'd copy) would meet them, and was built: on workerd 1.20261117.1 a tee'd body that errors with a reader attached leaks the request, so the edge relays chunk by chunk (docs/architecture.md, \"Why streams are relayed chunk by chunk\").",
    "",
  ];
}
