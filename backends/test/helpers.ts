import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { BackendOptionsInput } from "../src/config.js";
import { type BackendServer, type BackendServerExtras, createBackendServer } from "../src/server.js";
import type { LogFields } from "../src/telemetry/logger.js";

export const MODEL_DIR = resolve(import.meta.dirname, "../../../shared/models");
export const STORIES = resolve(MODEL_DIR, "stories260K.gguf");
export const TINY_RANDOM = resolve(MODEL_DIR, "llama-2-tiny-random.gguf");
/** A real chat model (ChatML template in its GGUF metadata): where chat templates matter. */
export const SMOLLM2 = resolve(MODEL_DIR, "SmolLM2-135M-Instruct.Q4_1.gguf");
export const smolPresent = existsSync(SMOLLM2);
if (!smolPresent) {
  const message = `SmolLM2 GGUF not found at ${SMOLLM2} (npm run models -- pull smollm2-135m-instruct)`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! SKIPPING SmolLM2 backend tests: ${message}\n`);
}

/** The tiny models are a precondition: fail in CI, skip loudly elsewhere. */
export const modelsPresent = existsSync(STORIES) && existsSync(TINY_RANDOM);
if (!modelsPresent) {
  const message = `tiny GGUF models not found in ${MODEL_DIR}`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! SKIPPING backend model tests: ${message}\n`);
}

export interface TestServer {
  server: BackendServer;
  url: string;
  logs: LogFields[];
  close(): Promise<void>;
}

/** A real server on port 0 with the given model (1 thread, small context), loaded and listening. */
export async function startTestServer(
  options: Partial<BackendOptionsInput> = {},
  extras: BackendServerExtras = {},
): Promise<TestServer> {
  const logs: LogFields[] = [];
  const server = createBackendServer(
    {
      model: "stories260k",
      port: 0,
      threads: 1,
      parallel: 2,
      contextSize: 512,
      modelDir: MODEL_DIR,
      ...options,
    },
    { logger: { log: (level, msg, fields = {}) => logs.push({ level, msg, ...fields }) }, ...extras },
  );
  const { url } = await server.listen();
  await server.load();
  return { server, url, logs, close: () => server.close() };
}

export interface SseMessage {
  event: string | undefined;
  data: string;
  /** ms since the request started, when the event arrived. */
  at: number;
}

/** Reads an SSE response to the end (or until `stopAfter` returns true), with arrival times. */
export async function readSse(
  response: Response,
  stopAfter?: (message: SseMessage) => boolean,
): Promise<SseMessage[]> {
  const started = performance.now();
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  const messages: SseMessage[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let boundary = buffer.indexOf("\n\n");
    while (boundary >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf("\n\n");
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length === 0) continue;
      const message = { event, data: data.join("\n"), at: performance.now() - started };
      messages.push(message);
      if (stopAfter?.(message)) {
        await reader.cancel();
        return messages;
      }
    }
  }
  return messages;
}

export const postJson = (url: string, body: unknown, init: RequestInit = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });

/** Polls until `check` passes or the timeout expires. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Value of a metric sample from the Prometheus text format. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (.+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[4]);
  }
  return undefined;
}

/** Response JSON for assertions (shapes are checked by the assertions themselves). */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field at run time
export const readJson = async (response: Response): Promise<any> => response.json();
