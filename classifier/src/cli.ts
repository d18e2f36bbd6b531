#!/usr/bin/env node
import { parseArgs } from "node:util";
import { PRODUCTION_ROSTER } from "./data.js";

const USAGE = `router <command> [options]

  setup     creates classifier/.venv with the training dependencies (requirements.txt); once per machine
  train     --data FILE.jsonl --out DIR [--prices FILE.json] [--roster a,b,c] [--split all] [--quick]
  evaluate  --router DIR --data FILE.jsonl [--split test|train|all] [--prices FILE.json] [--curve-svg FILE.svg]
            [--decisions FILE.jsonl] [--max-quality-loss X]
  collect   --prompts FILE.jsonl --out RUNS.jsonl [--backends JSON | --backend id=url ...] [--max-tokens N] [--run-id ID]
            (with DATABASE_URL set, also to Postgres: needs SWITCHYARD_PROMPT_HASH_KEY and \`npm run db:migrate\`)
  label     --runs RUNS.jsonl --out DATA.jsonl [--prices FILE.json] [--judge-url URL --judge-model ID [--rubric FILE]]

Data: one JSON object a line, {id, prompt, scores: {model: score}, cost?: {model: usd}, task?, split?};
scores in [0,1] (success, partial credit, preference probability), 0-10 or 1-10 judge ratings, or
percentages; no split field: 20% of rows (by prompt hash) held out as test; a row
may leave models out. The roster defaults to the production roster; when the data does not score
all of it, every model the data scores (on at least half of the rows) is used.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: "string" },
      out: { type: "string" },
      prices: { type: "string" },
      roster: { type: "string" },
      quick: { type: "boolean" },
      router: { type: "string" },
      split: { type: "string" },
      "curve-svg": { type: "string" },
      decisions: { type: "string" },
      "max-quality-loss": { type: "string" },
      prompts: { type: "string" },
      backends: { type: "string" },
      backend: { type: "string", multiple: true },
      "max-tokens": { type: "string" },
      "run-id": { type: "string" },
      "api-key": { type: "string" },
      runs: { type: "string" },
      "judge-url": { type: "string" },
      "judge-model": { type: "string" },
      "judge-key": { type: "string" },
      rubric: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (!command || values.help || command === "help") {
    console.error(USAGE);
    if (!command) process.exitCode = 2;
    return;
  }
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== "string" || !v) throw new UsageError(`${command}: --${name} is required`);
    return v;
  };
  const roster = values.roster
    ? values.roster
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : PRODUCTION_ROSTER;

  switch (command) {
    case "setup": {
      const { setupPythonEnv } = await import("./python-env.js");
      const python = setupPythonEnv();
      process.stderr.write(`Router Python ready: ${python} (train uses it)\n`);
      return;
    }
    case "train": {
      const { train } = await import("./train.js");
      if (values.split !== undefined && values.split !== "all")
        throw new UsageError(`train: --split takes only "all" (fit every row), got "${values.split}"`);
      train({
        data: need("data"),
        out: need("out"),
        prices: values.prices,
        roster,
        quick: values.quick,
        split: values.split,
      });
      return;
    }
    case "evaluate": {
      const { evaluate } = await import("./evaluate.js");
      const report = await evaluate({
        router: need("router"),
        data: need("data"),
        split: values.split,
        prices: values.prices,
        curveSvg: values["curve-svg"],
        decisions: values.decisions,
        maxQualityLoss: parseLoss(values["max-quality-loss"]),
      });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    case "collect": {
      const { collect, parseBackends } = await import("./collect.js");
      const prompts = need("prompts");
      const out = need("out");
      const backends = parseBackends(
        values.backends ?? process.env.SWITCHYARD_BACKENDS,
        values.backend ?? [],
      );
      const observations = await openObservationsFromEnv();
      try {
        await collect({
          prompts,
          out,
          backends,
          maxTokens: values["max-tokens"] ? Number(values["max-tokens"]) : 128,
          apiKey: values["api-key"] ?? process.env.SWITCHYARD_BACKEND_API_KEY,
          runId: values["run-id"],
          observations,
        });
      } finally {
        await observations?.close().catch(() => {});
      }
      return;
    }
    case "label": {
      const { label } = await import("./label.js");
      await label({
        runs: need("runs"),
        out: need("out"),
        prices: values.prices,
        judge: values["judge-url"]
          ? {
              url: values["judge-url"],
              model: values["judge-model"] ?? "",
              apiKey: values["judge-key"] ?? process.env.SWITCHYARD_JUDGE_API_KEY,
              rubricFile: values.rubric,
            }
          : undefined,
      });
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

class UsageError extends Error {}

function parseLoss(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0 || x > 1)
    throw new UsageError(`--max-quality-loss must be a number in [0, 1], got "${v}"`);
  return x;
}

/** collect's Postgres mirror when DATABASE_URL is set; checked before any prompt is sent. */
async function openObservationsFromEnv() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) return undefined;
  const hashKey = process.env.SWITCHYARD_PROMPT_HASH_KEY;
  if (!hashKey) {
    throw new UsageError(
      "collect: DATABASE_URL is set, so SWITCHYARD_PROMPT_HASH_KEY must be too (Postgres gets prompts only as HMAC hashes)",
    );
  }
  const { openObservationStore } = await import("./observations.js");
  try {
    return await openObservationStore({ connectionString, hashKey });
  } catch (err) {
    throw new Error(`collect: Postgres (DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`);
  }
}

// `npm run router -w classifier` runs in classifier/: resolve the user's paths from where they typed the command.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`router: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
