import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the fake backend does with one request. Fault injection for the reliability scenarios;
 * everything else in the tests runs against real components.
 */
export type Behaviour =
  | {
      kind: "ok";
      tokens?: string[];
      headerDelayMs?: number;
      firstTokenDelayMs?: number;
      gapMs?: number;
      /** Sends one event that is not JSON after this many tokens, then goes on. */
      malformedAfter?: number;
    }
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
  /** Destroys the socket as soon as the request arrives (TCP reset before any byte). */
  | { kind: "reset" }
  /** Accepts the request and never answers. */
  | { kind: "hang" }
  /** Streams `after` tokens, then: cuts the connection, stalls forever, sends a malformed chunk
   * and stalls, sends a finish reason and closes without [DONE], sends [DONE] without a finish
   * reason, closes cleanly with neither, or reports an error in-band. */
  | {
      kind: "fail-mid-stream";
      after: number;
      /** The answer it starts (default DEFAULT_TOKENS). */
      tokens?: string[];
      how: "cut" | "stall" | "malformed" | "no-done" | "no-finish" | "close" | "error-event";
    };

export interface ReceivedRequest {
  index: number;
  /** Request path, e.g. /v1/chat/completions or /v1/completions. */
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** W3C trace context the edge sent (its span's child). */
  traceparent: string | undefined;
  /** The client (the edge) closed the connection before the response finished. */
  closedByClient: boolean;
  finished: boolean;
}

export const DEFAULT_TOKENS = ["Once", " upon", " a", " time"];

/** Requests open on all fake backends of this process right now, and the most at once. */
const openRequests = { now: 0, peak: 0 };
export const peakOpenRequests = () => openRequests.peak;
export const resetPeakOpenRequests = () => {
  openRequests.peak = openRequests.now;
};

type Message = { role?: string; content?: string };

/**
 * Like our backends, a trailing assistant message is a prefix to continue: the answer's tokens
 * that follow it (none match: the whole answer), and how many tokens the prefix took.
 */
function continuation(messages: unknown, tokens: string[]): { rest: string[]; prefill: number } | null {
  const last = Array.isArray(messages) ? (messages.at(-1) as Message | undefined) : undefined;
  if (last?.role !== "assistant" || typeof last.content !== "string") return null;
  let text = "";
  for (let i = 0; i <= tokens.length; i++) {
    if (text === last.content) return { rest: tokens.slice(i), prefill: i };
    text += tokens[i] ?? "";
  }
  return { rest: tokens, prefill: tokens.length };
}

export interface FakeBackend {
  url: string;
  received: ReceivedRequest[];
  /** Requests whose response neither finished nor was closed (leaked slots). */
  inFlight(): number;
  /** Behaviour for the next requests: a fixed one, a list (last one repeats), or per index. */
  behave(b: Behaviour | Behaviour[] | ((index: number) => Behaviour)): void;
  reset(): void;
  close(): Promise<void>;
}

const sse = (res: ServerResponse, data: unknown) =>
  res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
const chatChunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "fake",
  object: "chat.completion.chunk",
  created: 0,
  model,
  choices: [{ index: 0, delta, finish_reason: finish }],
});
/** Legacy completions stream `text_completion` chunks with the text in `choices[].text`. */
const textChunk = (model: string, delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "fake",
  object: "text_completion",
  created: 0,
  model,
  choices: [
    {
      index: 0,
      text: typeof delta.content === "string" ? delta.content : "",
      logprobs: null,
      finish_reason: finish,
    },
  ],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A small OpenAI-compatible streaming server (node:http) with scripted faults.
 *
 * @example
 * const a = await startFakeBackend();
 * a.behave([{ kind: "status", status: 500 }, { kind: "ok" }]);
 */
export async function startFakeBackend(): Promise<FakeBackend> {
  let plan: (index: number) => Behaviour = () => ({ kind: "ok" });
  const received: ReceivedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse, rec: ReceivedRequest, b: Behaviour) => {
    const model = String(rec.body.model ?? "fake");
    const chunk = rec.path.startsWith("/v1/completions") ? textChunk : chatChunk;
    if (b.kind === "reset") return req.socket.destroy();
    if (b.kind === "hang") return;
    if (b.kind === "status") {
      res.writeHead(b.status, { "content-type": "application/json", ...b.headers });
      return res.end(
        JSON.stringify(
          b.body ?? { error: { message: `fake ${b.status}`, type: "server_error", code: null } },
        ),
      );
    }
    const answer = b.tokens ?? DEFAULT_TOKENS;
    const continued = continuation(rec.body.messages, answer);
    const all = continued?.rest ?? answer;
    const tokens = b.kind === "ok" ? all : all.slice(0, b.after);
    if (b.kind === "ok" && b.headerDelayMs) await sleep(b.headerDelayMs);
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      ...(continued ? { "x-switchyard-prefill-tokens": String(continued.prefill) } : {}),
    });
    sse(res, chunk(model, { role: "assistant", content: "" }));
    if (b.kind === "ok" && b.firstTokenDelayMs) await sleep(b.firstTokenDelayMs);
    for (const [i, t] of tokens.entries()) {
      if (rec.closedByClient) return;
      if (b.kind === "ok" && b.malformedAfter === i) res.write("data: {not json\n\n");
      sse(res, chunk(model, { content: t }));
      if (b.kind === "ok" && b.gapMs) await sleep(b.gapMs);
      if (b.kind === "fail-mid-stream") await sleep(10);
    }
    if (b.kind === "fail-mid-stream") {
      // Let the tokens reach the edge before the fault (a destroyed socket drops unsent writes).
      await sleep(30);
      if (b.how === "cut") return req.socket.destroy();
      if (b.how === "stall") return;
      if (b.how === "malformed") {
        res.write("data: {not json\n\n");
        return; // keep the socket open: the edge must give up on its own
      }
      if (b.how === "no-done") {
        sse(res, chunk(model, {}, "stop"));
        return res.end();
      }
      if (b.how === "close") return res.end();
      if (b.how === "error-event") {
        sse(res, {
          error: { message: "generation failed", type: "server_error", code: "generation_failed" },
        });
        return res.end();
      }
      sse(res, "[DONE]");
      return res.end();
    }
    sse(res, chunk(model, {}, "stop"));
    sse(res, {
      id: "fake",
      object: "chat.completion.chunk",
      created: 0,
      model,
      choices: [],
      // The prefill is part of the prompt, as on a real backend.
      usage: {
        prompt_tokens: 5 + (continued?.prefill ?? 0),
        completion_tokens: tokens.length,
        total_tokens: 5 + (continued?.prefill ?? 0) + tokens.length,
      },
    });
    sse(res, "[DONE]");
    res.end();
  };

  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      const rec: ReceivedRequest = {
        index: received.length,
        path: req.url ?? "/",
        body: {},
        authorization: req.headers.authorization,
        traceparent: typeof req.headers.traceparent === "string" ? req.headers.traceparent : undefined,
        closedByClient: false,
        finished: false,
      };
      try {
        rec.body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // keep {}
      }
      received.push(rec);
      openRequests.now += 1;
      openRequests.peak = Math.max(openRequests.peak, openRequests.now);
      res.on("finish", () => {
        rec.finished = true;
      });
      res.on("close", () => {
        openRequests.now -= 1;
        if (!rec.finished) rec.closedByClient = true;
      });
      void handle(req, res, rec, plan(rec.index));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    inFlight: () => received.filter((r) => !r.finished && !r.closedByClient).length,
    behave(b) {
      plan =
        typeof b === "function"
          ? b
          : Array.isArray(b)
            ? (i) => b[Math.min(i, b.length - 1)] as Behaviour
            : () => b;
    },
    reset() {
      received.length = 0;
      plan = () => ({ kind: "ok" });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port on which nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
