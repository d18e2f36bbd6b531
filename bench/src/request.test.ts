import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendChat, type Target } from "./request.js";

const chunk = (content: string) =>
  JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
/** Replies by path: the SSE body in pieces that split lines, CRLF endings and events anywhere. */
const BODIES: Record<string, string[]> = {
  "/ok/v1/chat/completions": [
    `data: ${chunk("Once")}\r\n\r\nda`,
    `ta: ${chunk(" upon")}\n`,
    `\n: keep-alive\n\ndata: {"choices":[],"usage":{"completion_tokens":2}}\n\ndata: [DO`,
    "NE]\n\n",
  ],
  "/no-done/v1/chat/completions": [`data: ${chunk("Once")}\n\n`],
  "/error/v1/chat/completions": [
    `data: ${chunk("Once")}\n\nevent: error\ndata: {"error":{"message":"x"}}\n\n`,
  ],
};

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const piece of BODIES[req.url ?? ""] ?? []) {
        res.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const target = (path: string): Target => ({ name: "t", baseUrl: `${base}${path}/v1`, headers: {} });
const spec = { model: "m", prompt: "hi", maxTokens: 8, stream: true, timeoutMs: 5000 };

describe("sendChat over SSE (eventsource-parser)", () => {
  it("counts content events split anywhere, takes usage, and needs [DONE] for success", async () => {
    const s = await sendChat(target("/ok"), spec, performance.now());
    expect(s.ok).toBe(true);
    expect(s.completionTokens).toBe(2);
    expect(s.ttftMs).not.toBeNull();
  });

  it("a stream that ends without [DONE] is a stream_error, never a success", async () => {
    const s = await sendChat(target("/no-done"), spec, performance.now());
    expect(s.ok).toBe(false);
    expect(s.errorKind).toBe("stream_error");
  });

  it("an error event is a stream_error", async () => {
    const s = await sendChat(target("/error"), spec, performance.now());
    expect(s.ok).toBe(false);
    expect(s.errorKind).toBe("stream_error");
  });
});
