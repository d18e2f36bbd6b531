import { appendFileSync, writeFileSync } from "node:fs";
import { type RoutingRow, readJsonl, routingText } from "./data.js";
import type { ObservationStore } from "./observations.js";
import type { RunRecord } from "./run-record.js";

export type { RunRecord };

export interface CollectOptions {
  prompts: string;
  out: string;
  /** Model id -> backend base URL (OpenAI-compatible; "/v1/chat/completions" is appended). */
  backends: Record<string, string>;
  maxTokens: number;
  apiKey?: string;
  timeoutMs?: number;
  /** Default: a random UUID. */
  runId?: string;
  /** Postgres mirror (when DATABASE_URL is set): hashes and measurements only, never raw text. */
  observations?: ObservationStore;
}

/**
 * Postgres failed during a collection. The JSONL is complete regardless: it is written first and
 * collection goes on after the failure, with no further database writes for the run.
 */
export class ObservationWriteError extends Error {}

/**
 * Backends from SWITCHYARD_BACKENDS-style JSON and/or `id=url` pairs (the pairs win).
 *
 * @example
 * parseBackends('{"gemma-2-9b-it":"http://127.0.0.1:8084"}', ["codegemma-7b=http://127.0.0.1:8081"]);
 */
export function parseBackends(json: string | undefined, pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (json) {
    const parsed = JSON.parse(json) as unknown;
    if (!parsed || typeof parsed !== "object") throw new Error("backends JSON must map model id -> base URL");
    for (const [id, url] of Object.entries(parsed)) out[id] = String(url);
  }
  for (const p of pairs) {
    const at = p.indexOf("=");
    if (at <= 0) throw new Error(`--backend expects id=url, got "${p}"`);
    out[p.slice(0, at)] = p.slice(at + 1);
  }
  if (Object.keys(out).length === 0)
    throw new Error("no backends: pass --backends JSON, --backend id=url or set SWITCHYARD_BACKENDS");
  return out;
}

/**
 * `router collect`: sends every prompt to every backend (streaming, temperature 0) and appends one
 * RunRecord per (prompt, model) to `out`. Failures are recorded, not fatal. With `observations`,
 * each record also goes to Postgres right after its JSON line; the first database error stops the
 * database writes (the JSONL goes on) and collect then throws an ObservationWriteError.
 */
export async function collect(opts: CollectOptions): Promise<RunRecord[]> {
  const prompts = readJsonl<RoutingRow>(opts.prompts);
  const runId = opts.runId ?? crypto.randomUUID();
  writeFileSync(opts.out, "");
  const records: RunRecord[] = [];
  let stored = 0;
  let dbError: Error | null = null;
  console.error(`collect: run ${runId}${opts.observations ? " (also to Postgres)" : ""}`);
  for (const [i, row] of prompts.entries()) {
    if (typeof row.prompt !== "string") throw new Error(`${opts.prompts}: row ${i + 1} has no "prompt"`);
    const text = routingText(row);
    for (const [model, baseUrl] of Object.entries(opts.backends)) {
      const collectedAt = new Date().toISOString();
      const run = await askOnce(baseUrl, model, text, opts);
      const record: RunRecord = {
        run_id: runId,
        collected_at: collectedAt,
        prompt_id: row.id ?? String(i),
        prompt: row.prompt,
        task: row.task ?? null,
        metric: row.metric ?? null,
        ground_truth: row.ground_truth ?? null,
        choices: row.choices ?? null,
        model,
        ...run,
      };
      appendFileSync(opts.out, `${JSON.stringify(record)}\n`);
      records.push(record);
      if (opts.observations && !dbError) {
        try {
          await opts.observations.insert(record, text);
          stored++;
        } catch (err) {
          dbError = err instanceof Error ? err : new Error(String(err));
          console.error(
            `collect: WARNING Postgres write failed, continuing with JSONL only: ${dbError.message}`,
          );
        }
      }
    }
    console.error(`collect: ${i + 1}/${prompts.length} prompts`);
  }
  if (dbError) {
    throw new ObservationWriteError(
      `${opts.out} is complete (${records.length} records), but Postgres has only ${stored} of them for run ${runId}: ${dbError.message}`,
      { cause: dbError },
    );
  }
  return records;
}

type Measured = Pick<
  RunRecord,
  | "output"
  | "finish_reason"
  | "latency_ms"
  | "ttft_ms"
  | "tokens_per_s"
  | "prompt_tokens"
  | "completion_tokens"
  | "error"
>;

async function askOnce(
  baseUrl: string,
  model: string,
  text: string,
  opts: CollectOptions,
): Promise<Measured> {
  const url = `${baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")}/v1/chat/completions`;
  const started = performance.now();
  let ttft: number | null = null;
  let output = "";
  let finish: string | null = null;
  let usage: { prompt_tokens?: number; completion_tokens?: number } | null = null;
  let chunks = 0;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: text }],
        max_tokens: opts.maxTokens,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
    });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const bytes of res.body) {
      buffer += decoder.decode(bytes, { stream: true });
      let sep = buffer.indexOf("\n\n");
      while (sep >= 0) {
        const event = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        sep = buffer.indexOf("\n\n");
        for (const line of event.split("\n")) {
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") continue;
          const msg = JSON.parse(data) as {
            error?: { message?: string };
            choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
            usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
          };
          if (msg.error) throw new Error(`stream error: ${msg.error.message ?? "unknown"}`);
          const choice = msg.choices?.[0];
          const delta = choice?.delta?.content;
          if (delta) {
            ttft ??= performance.now() - started;
            output += delta;
            chunks++;
          }
          if (choice?.finish_reason) finish = choice.finish_reason;
          if (msg.usage) usage = msg.usage;
        }
      }
    }
    const latency = performance.now() - started;
    const completion = usage?.completion_tokens ?? chunks;
    const genMs = ttft === null ? 0 : latency - ttft;
    return {
      output,
      finish_reason: finish,
      latency_ms: Math.round(latency * 10) / 10,
      ttft_ms: ttft === null ? null : Math.round(ttft * 10) / 10,
      tokens_per_s: genMs > 0 && completion > 1 ? Math.round(((completion - 1) / genMs) * 1e4) / 10 : null,
      prompt_tokens: usage?.prompt_tokens ?? null,
      completion_tokens: usage?.completion_tokens ?? (chunks || null),
      error: null,
    };
  } catch (err) {
    return {
      output,
      finish_reason: finish,
      latency_ms: Math.round((performance.now() - started) * 10) / 10,
      ttft_ms: ttft,
      tokens_per_s: null,
      prompt_tokens: null,
      completion_tokens: null,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
