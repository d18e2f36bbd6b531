import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDataset, writeSyntheticPrices } from "./helpers/synthetic.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** Runs the real CLI the way an operator does (`npm run router -- ...`, tsx, Python for training). */
function router(args: string[]) {
  const res = spawnSync("npm", ["run", "-s", "router", "--", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 280_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("router CLI: train then evaluate, end to end (TS features, Python LightGBM, ONNX in onnxruntime-web)", {
  timeout: 280_000,
}, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "router-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains on a dataset priced by a prices file and beats random on held-out rows", () => {
    const data = join(dir, "syn.jsonl");
    const prices = join(dir, "prices.json");
    writeSyntheticDataset(data);
    writeSyntheticPrices(prices);
    const out = join(dir, "router");
    const t = router(["train", "--data", data, "--prices", prices, "--out", out, "--quick"]);
    expect(t.code, t.stderr).toBe(0);
    for (const f of ["router.onnx", "router.meta.json", "parity.json"])
      expect(existsSync(join(out, f))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, "router.meta.json"), "utf8"));
    // the data does not score the production roster: every model in the file is used
    expect(meta.models).toEqual(["small", "coder", "big"]);
    expect(meta.training.roster_matched).toBe(false);
    expect(meta.training.data_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.kind).toBe("per-model-quality");
    expect(meta.training.score_scale).toBe("unit");
    expect(meta.policy.loss_table.length).toBeGreaterThan(10);
    expect(meta.policy.default_max_quality_loss).toBeGreaterThanOrEqual(0);

    const decisions = join(dir, "decisions.jsonl");
    const e = router([
      "evaluate",
      "--router",
      out,
      "--data",
      data,
      "--split",
      "test",
      "--decisions",
      decisions,
    ]);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.n).toBe(72);
    for (const k of ["random", "best_single", "cheapest", "oracle", "rule"]) {
      expect(typeof report.baselines[k].quality).toBe("number");
      expect(typeof report.baselines[k].cost).toBe("number");
    }
    expect(Object.keys(report.router)).toEqual(expect.arrayContaining(["quality", "cost", "optimal_rate"]));
    expect(report.baselines.cheapest.model).toBe("small");
    expect(report.baselines.oracle.quality).toBeGreaterThanOrEqual(report.router.quality);
    expect(report.router.quality).toBeGreaterThan(report.baselines.random.quality + 0.1);
    // the curve is a list of {quality, cost} points, cheapest first
    expect(report.curve.length).toBeGreaterThan(1);
    for (const p of report.curve) expect(Object.keys(p)).toEqual(expect.arrayContaining(["quality", "cost"]));
    expect(report.aiq.router).toBeGreaterThan(0);
    expect(typeof report.baselines.mixing_hull.aiq).toBe("number");
    expect(report.baselines.task_lookup.points.length).toBeGreaterThan(5);
    expect(typeof report.baselines.best_single.se).toBe("number");
    expect(report.knob[0]).toMatchObject({ max_quality_loss: 0 });
    // boilerplate the normaliser strips cannot move a decision
    expect(report.robustness.greeting.decisions_changed).toBe(0);
    expect(report.robustness.signoff.decisions_changed).toBe(0);
    const lines = readFileSync(decisions, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(72);
    expect(lines[0]).toMatchObject({ id: "syn/0" });
    expect(meta.models).toContain(lines[0].model);
    expect(Object.keys(lines[0].predicted)).toEqual(meta.models);
  });

  it("trains on 1-10 judge scores with some scores missing (masked, not a crash)", () => {
    const data = join(dir, "syn-judge.jsonl");
    const prices = join(dir, "prices-judge.json");
    writeSyntheticDataset(data, { judge: true, maskEvery: 4 });
    writeSyntheticPrices(prices);
    const out = join(dir, "router-judge");
    const t = router(["train", "--data", data, "--prices", prices, "--out", out, "--quick"]);
    expect(t.code, t.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "router.meta.json"), "utf8"));
    expect(meta.training.score_scale).toBe("judge-1-10");
    expect(meta.training.complete_rows).toBeLessThan(meta.training.rows);
    expect([...meta.models].sort()).toEqual(["big", "coder", "small"]);
    const e = router(["evaluate", "--router", out, "--data", data, "--prices", prices]);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.router.quality).toBeGreaterThan(report.baselines.random.quality + 0.1);
    expect(report.baselines.oracle.quality).toBeLessThanOrEqual(1);
  });

  it("uses per-prompt costs when rows carry them, and the production roster when the data scores it", () => {
    const roster: [string, string, string] = [
      "gemma-2-9b-it",
      "codegemma-7b",
      "llama-3.1-nemotron-51b-instruct",
    ];
    const data = join(dir, "syn-cost.jsonl");
    writeSyntheticDataset(data, { withCost: true, models: roster, rows: 150 });
    const out = join(dir, "router-cost");
    const t = router(["train", "--data", data, "--out", out, "--quick", "--roster", roster.join(",")]);
    expect(t.code, t.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "router.meta.json"), "utf8"));
    expect(meta.models).toEqual(roster);
    expect(meta.training.roster_matched).toBe(true);
    const e = router(["evaluate", "--router", out, "--data", data]);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.split).toBe("test");
    expect(report.baselines.single["llama-3.1-nemotron-51b-instruct"].cost).toBeCloseTo(0.001, 9);
  });

  it("data without split or task: train holds out its own test split and evaluate scores only that", () => {
    const data = join(dir, "syn-bare.jsonl");
    const prices = join(dir, "prices-bare.json");
    writeSyntheticDataset(data, { bare: true });
    writeSyntheticPrices(prices);
    const out = join(dir, "router-bare");
    const t = router(["train", "--data", data, "--prices", prices, "--out", out, "--quick"]);
    expect(t.code, t.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "router.meta.json"), "utf8"));
    expect(meta.training.split_source).toBe("auto");
    expect(
      meta.metrics.selected.segments_from === null ||
        meta.metrics.selected.segments_from === "prompt clusters",
    ).toBe(true);
    const e = router(["evaluate", "--router", out, "--data", data, "--prices", prices]);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.split).toBe("test");
    expect(report.split_source).toBe("auto");
    // only the held-out share (20% of 360 by prompt hash), which train did not fit
    expect(meta.training.rows + report.n).toBe(360);
    expect(report.n).toBeGreaterThan(40);
    expect(report.n).toBeLessThan(110);
    expect(report.baselines.task_lookup).toBeNull();
    expect(report.router.quality).toBeGreaterThan(report.baselines.random.quality + 0.1);
    expect(e.stderr).not.toContain("in-sample");
    const all = router(["evaluate", "--router", out, "--data", data, "--prices", prices, "--split", "all"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain("in-sample");
  });

  it("train --split all fits every row; evaluate on another file scores all of it as unseen", () => {
    const data = join(dir, "syn-trainonly.jsonl");
    const other = join(dir, "syn-other.jsonl");
    const prices = join(dir, "prices-trainonly.json");
    writeSyntheticDataset(data, { bare: true });
    writeSyntheticDataset(other, { bare: true, rows: 150 });
    writeSyntheticPrices(prices);
    const out = join(dir, "router-trainonly");
    const t = router([
      "train",
      "--data",
      data,
      "--prices",
      prices,
      "--out",
      out,
      "--quick",
      "--split",
      "all",
    ]);
    expect(t.code, t.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, "router.meta.json"), "utf8"));
    expect(meta.training.rows).toBe(360);
    expect(meta.training.split_source).toBe("all");
    const e = router(["evaluate", "--router", out, "--data", other, "--prices", prices]);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.split).toBe("all");
    expect(report.n).toBe(150);
    expect(e.stderr).not.toContain("in-sample");
    // the file it fitted, whatever split is asked for, is in-sample and says so
    const same = router(["evaluate", "--router", out, "--data", data, "--prices", prices]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain("in-sample");
    const bad = router(["train", "--data", data, "--prices", prices, "--out", out, "--split", "test"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--split takes only "all"');
  });

  it("fails with a clear message on bad input", () => {
    const missing = router(["train", "--out", join(dir, "x")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--data is required");
    const noPrices = join(dir, "noprices.jsonl");
    writeSyntheticDataset(noPrices, { rows: 30 });
    const t = router(["train", "--data", noPrices, "--out", join(dir, "y"), "--quick"]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("--prices");
    // every row leaves one of the three models unscored: no complete row to measure a curve on
    const sparse = join(dir, "sparse.jsonl");
    writeFileSync(
      sparse,
      `${Array.from({ length: 90 }, (_, i) => {
        const scores: Record<string, number> = { small: i % 2, coder: (i >> 1) % 2, big: 1 };
        delete scores[["small", "coder", "big"][i % 3]!];
        return JSON.stringify({ id: `s${i}`, prompt: `question ${i}`, scores, split: "train" });
      }).join("\n")}\n`,
    );
    const prices = join(dir, "sparse-prices.json");
    writeSyntheticPrices(prices);
    const s = router(["train", "--data", sparse, "--prices", prices, "--out", join(dir, "z"), "--quick"]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("only 0 of 90 training rows score every routed model");
    expect(s.stderr).toContain("--roster");
    expect(existsSync(join(dir, "z", "router.meta.json"))).toBe(false);
  });
});

describe("router CLI without the Python dependencies", { timeout: 120_000 }, () => {
  it("train says how to install them instead of a ModuleNotFoundError traceback", () => {
    const dir = mkdtempSync(join(tmpdir(), "router-nodeps-"));
    try {
      // A real interpreter with none of the training modules: a bare virtual environment.
      const venv = spawnSync("python3", ["-m", "venv", "--without-pip", join(dir, "venv")], {
        encoding: "utf8",
      });
      expect(venv.status, venv.stderr).toBe(0);
      const data = join(dir, "syn.jsonl");
      writeSyntheticDataset(data);
      const res = spawnSync(
        "npm",
        ["run", "-s", "router", "--", "train", "--data", data, "--out", join(dir, "out")],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, PYTHON: join(dir, "venv", "bin", "python") },
          timeout: 100_000,
        },
      );
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/lacks the Python modules training needs: lightgbm/);
      expect(res.stderr).toContain("npm run router -- setup");
      expect(res.stderr).toContain("pip install -r classifier/requirements.txt");
      expect(res.stderr).not.toMatch(/Traceback|ModuleNotFoundError/);
      expect(existsSync(join(dir, "out", "router.onnx"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
