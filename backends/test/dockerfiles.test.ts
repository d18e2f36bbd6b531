import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCKERFILES = ["infra/docker/backend.Dockerfile", "infra/docker/backend-cuda.Dockerfile"];

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile -> instructions (comments dropped, `\` continuations joined), split into stages. */
function parseStages(text: string): Instruction[][] {
  const joined = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  const stages: Instruction[][] = [];
  for (const line of joined.split("\n")) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { op: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() };
    if (instruction.op === "FROM") stages.push([]);
    if (instruction.op !== "ARG" || stages.length > 0) stages.at(-1)?.push(instruction);
  }
  return stages;
}

describe.each(DOCKERFILES)("%s", (file) => {
  const stages = parseStages(readFileSync(resolve(ROOT, file), "utf8"));
  const runtime = stages.at(-1) ?? [];
  const all = (op: string, stage = runtime) => stage.filter((i) => i.op === op).map((i) => i.args);

  it("runs as a non-root user in the final stage", () => {
    const users = all("USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    // USER comes after every RUN, so nothing later runs as root.
    const ops = runtime.map((i) => i.op);
    expect(ops.lastIndexOf("RUN")).toBeLessThan(ops.lastIndexOf("USER"));
  });

  it("has a HEALTHCHECK on /health and mounts models as a volume", () => {
    expect(all("HEALTHCHECK").join(" ")).toMatch(/CMD .*\/health/);
    expect(all("VOLUME").join(" ")).toContain("/models");
    expect(all("ENV").join(" ")).toMatch(/SWITCHYARD_MODEL_DIR=\/models/);
    expect(all("ENV").join(" ")).toMatch(/SWITCHYARD_HOST=0\.0\.0\.0/);
  });

  it("installs production dependencies only, with the lockfile", () => {
    expect(all("RUN").join(" ")).toMatch(/npm ci --omit=dev -w backends/);
    for (const stage of stages) expect(all("RUN", stage).join(" ")).not.toMatch(/npm install\b/);
  });

  it("copies only files that exist, and no model weights", () => {
    for (const stage of stages) {
      for (const args of all("COPY", stage)) {
        if (args.startsWith("--from")) continue;
        const sources = args.split(/\s+/).slice(0, -1);
        for (const source of sources)
          expect(existsSync(resolve(ROOT, source)), `${file}: COPY ${source}`).toBe(true);
        expect(args).not.toMatch(/\.gguf|shared\/models/);
      }
    }
  });

  it("starts the transpiled CLI", () => {
    expect(all("ENTRYPOINT").join(" ")).toContain('"backends/dist/cli.js"');
    expect(
      stages.some((stage) => all("RUN", stage).some((run) => run.includes("npm run build -w backends"))),
    ).toBe(true);
  });
});

describe("the image's build step", () => {
  it("npm run build -w backends produces a CLI that runs with plain node", () => {
    execFileSync("npm", ["run", "-s", "build", "-w", "backends"], { cwd: ROOT, stdio: "pipe" });
    // The build writes vocabulary/*.js beside the sources (the image needs them); remove them after
    // this test so tsx in a checkout keeps loading the TypeScript sources.
    onTestFinished(() => {
      for (const name of readdirSync(resolve(ROOT, "vocabulary")))
        if (name.endsWith(".js")) rmSync(resolve(ROOT, "vocabulary", name));
    });
    const help = execFileSync("node", ["backends/dist/cli.js", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(help).toContain("--model");
    // The catalogue resolves relative to the transpiled files exactly as from src/.
    let message = "";
    try {
      execFileSync("node", ["backends/dist/cli.js", "--model", "no-such-model", "--port", "0"], {
        cwd: ROOT,
        stdio: "pipe",
      });
    } catch (error) {
      message = String((error as { stderr: Buffer }).stderr);
    }
    expect(message).toMatch(/Unknown model "no-such-model": use one of .*qwen2\.5-7b-instruct/);
  });
});
