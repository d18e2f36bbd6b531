/**
 * Rescue on the production runtime: the real bundle on workerd in front of two fake backends.
 * A stream that breaks, stalls, closes early or reports an error after its first token is
 * continued on the other backend as one answer, or, with nowhere to go, ends with an in-band
 * error: never as a clean, truncated success. The Node scenarios (scenarios.test.ts) cover the
 * same logic; this file checks what workerd's streams do with it.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeBackend, startFakeBackend } from "../support/fake-backend";
import { chatBody, chatText, readSse } from "../support/harness";
import { type Spawned, startWorkerdEdge } from "../support/processes";

const KEY = "sk-workerd-rescue";
const A = "codegemma-7b"; // tier 1
const B = "qwen2.5-7b-instruct"; // tier 2: A's first fallback
const TOKENS = ["Once", " upon", " a", " time", " there", " was", " a", " fox"];
const FULL_TEXT = TOKENS.join("");

let a: FakeBackend;
let b: FakeBackend;
let edge: Spawned & { url: string };
let stateDir = "";

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${edge.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const streamed = (extra: Record<string, unknown> = {}) =>
  chatBody(A, { stream: true, max_tokens: TOKENS.length, ...extra });
const FALLBACK = { "x-switchyard-fallback": "true" };
/** The chunks that carry a finish reason. */
const finishChunks = (events: unknown[]) =>
  events.filter((e) => (e as { choices?: { finish_reason?: string }[] }).choices?.[0]?.finish_reason) as {
    switchyard?: unknown;
  }[];

beforeAll(async () => {
  a = await startFakeBackend();
  b = await startFakeBackend();
  stateDir = mkdtempSync(join(tmpdir(), "switchyard-workerd-rescue-"));
  edge = await startWorkerdEdge(
    {
      SWITCHYARD_BACKENDS: JSON.stringify({ [A]: a.url, [B]: b.url }),
      SWITCHYARD_API_KEYS: `rescue:${createHash("sha256").update(KEY).digest("hex")}`,
      SWITCHYARD_IDLE_TIMEOUT_MS: "500",
      SWITCHYARD_PROMPT_HASH_KEY: "workerd-rescue-prompt-hash-key-0123456789",
    },
    { stateDir, timeoutMs: 120_000 },
  );
}, 180_000);
afterAll(async () => {
  await edge?.stop();
  await a?.close();
  await b?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});
beforeEach(() => {
  a.reset();
  b.reset();
  b.behave({ kind: "ok", tokens: TOKENS });
});

describe("rescue on workerd", () => {
  it("a whole reply: finish reason, usage and [DONE]", async () => {
    a.behave({ kind: "ok", tokens: TOKENS });
    const res = await chat(streamed({ stream_options: { include_usage: true } }));
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(FULL_TEXT);
    expect(sse.done).toBe(true);
    const last = sse.events.at(-1) as { usage?: { completion_tokens: number } };
    expect(last.usage?.completion_tokens).toBe(TOKENS.length);
    expect(finishChunks(sse.events)).toHaveLength(1);
  });

  const failures = {
    cut: "network_error",
    stall: "idle_timeout",
    close: "truncated",
    "error-event": "upstream_error",
  };
  for (const [how, failure] of Object.entries(failures) as [keyof typeof failures, string][]) {
    it(`a stream that fails mid-answer (${how}) is continued on the other backend as one answer`, async () => {
      a.behave({ kind: "fail-mid-stream", after: 3, how, tokens: TOKENS });
      const sse = await readSse(await chat(streamed(), FALLBACK));
      expect(sse.done).toBe(true);
      expect(sse.events.some((e) => (e as { error?: unknown }).error)).toBe(false);
      // B was asked to go on from what the client already had; nothing was lost or repeated.
      expect(b.received).toHaveLength(1);
      const prefill = (b.received[0]?.body.messages as { role: string; content: string }[] | undefined)?.at(
        -1,
      );
      expect(prefill).toEqual({ role: "assistant", content: TOKENS.slice(0, 3).join("") });
      expect(chatText(sse.events)).toBe(FULL_TEXT);
      const finals = finishChunks(sse.events);
      expect(finals).toHaveLength(1);
      expect(finals[0]?.switchyard).toMatchObject({ model: B, fallback_from: [A], continued_after: failure });
    });
  }

  it("a cut with nowhere to continue ends with an in-band error, never as a clean success", async () => {
    a.behave({ kind: "fail-mid-stream", after: 3, how: "cut", tokens: TOKENS });
    const res = await chat(streamed());
    expect(res.status).toBe(200);
    const sse = await readSse(res);
    expect(chatText(sse.events)).toBe(TOKENS.slice(0, 3).join(""));
    expect(sse.done).toBe(false);
    const error = sse.events.find((e) => (e as { error?: unknown }).error) as
      | { error: { code: string } }
      | undefined;
    expect(error?.error.code).toBe("network_error");
    expect(b.received).toHaveLength(0);
  });
});
