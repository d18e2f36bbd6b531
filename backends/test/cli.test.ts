import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MODEL_DIR, modelsPresent, postJson, readSse, STORIES, waitFor } from "./helpers.js";

const BACKENDS = resolve(import.meta.dirname, "..");
const TSX = resolve(BACKENDS, "../node_modules/.bin/tsx");

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const child = spawn(TSX, ["src/cli.ts", ...args], {
    cwd: BACKENDS,
    env: {
      ...process.env,
      SWITCHYARD_MODEL_DIR: MODEL_DIR,
      SWITCHYARD_THREADS: "1",
      SWITCHYARD_PARALLEL: "2",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (err += d));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit: new Promise((r) => child.once("exit", (code) => r(code))),
  };
}

const urlOf = (cli: Cli) => /"msg":"listening","url":"([^"]+)"/.exec(cli.stdout())?.[1];

// Each spawn pays tsx start-up (seconds on a busy 2-core machine), hence the long timeout.
describe.skipIf(!modelsPresent)("the real CLI process", { timeout: 120_000 }, () => {
  it("starts from SWITCHYARD_* env, serves, and on SIGTERM finishes the in-flight stream, refuses new work, exits 0", async () => {
    const cli = runCli(["--model", "stories260k", "--port", "0", "--context-size", "512"], {
      SWITCHYARD_DRAIN_TIMEOUT_MS: "20000",
    });
    await waitFor(() => cli.stdout().includes('"msg":"ready"'), 45_000, 50);
    const url = urlOf(cli) as string;
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const stream = await postJson(`${url}/generate`, {
      prompt: "Once upon a time",
      max_tokens: 400,
      temperature: 0,
      stream: true,
    });
    const reading = readSse(stream);
    await new Promise((r) => setTimeout(r, 30));
    cli.child.kill("SIGTERM");
    const messages = await reading;
    const last = messages.at(-1);
    // The stream either completes or ends with an explicit error, never a silent truncation.
    if (last?.event === "done") expect(JSON.parse(last.data).usage.completion_tokens).toBe(400);
    else expect(last?.event).toBe("error");
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('"msg":"draining"');
    expect(cli.stdout()).toContain('"msg":"stopped"');
  });

  it("exits non-zero with a one-line message when the model file is missing", async () => {
    const cli = runCli(["--model", "/nonexistent/dir/model.gguf", "--port", "0"]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr().trim().split("\n")).toHaveLength(1);
    expect(cli.stderr()).toMatch(/switchyard-backend: Model file not found: \/nonexistent\/dir\/model\.gguf/);
  });

  it("exits non-zero for an unknown catalogue id and for bad options", async () => {
    const unknown = runCli(["--model", "gpt-17", "--port", "0"]);
    expect(await unknown.exit).toBe(1);
    expect(unknown.stderr()).toMatch(/Unknown model "gpt-17"/);
    const bad = runCli(["--model", "stories260k", "--port", "0", "--threads", "many"]);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toMatch(/--threads/);
  });

  it("exits non-zero for a file that is not a GGUF", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "not-gguf-")), "fake.gguf");
    writeFileSync(file, "this is not a model\n".repeat(10));
    const cli = runCli(["--model", file, "--port", "0"]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr().trim()).toMatch(/^switchyard-backend: Not a GGUF file: .*fake\.gguf/);
  });

  it("exits non-zero when the checksum does not match the catalogue", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bad-sum-"));
    copyFileSync(STORIES, join(dir, "stories260K.gguf"));
    writeFileSync(join(dir, "stories260K.gguf"), Buffer.from([0]), { flag: "a" });
    const cli = runCli(["--model", "stories260k", "--port", "0"], { SWITCHYARD_MODEL_DIR: dir });
    expect(await cli.exit).toBe(1);
    expect(cli.stderr().trim()).toMatch(
      /^switchyard-backend: Checksum mismatch for .*stories260K\.gguf: expected sha256 270cba1b/,
    );
  });
});
