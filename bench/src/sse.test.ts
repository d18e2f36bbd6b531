import { describe, expect, it } from "vitest";
import { SseParser } from "./sse.js";

const stream =
  'data: {"choices":[{"delta":{"content":"Once"}}]}\n\n' +
  ": keep-alive\n\n" +
  'event: error\ndata: {"error":{"message":"boom"}}\n\n' +
  "data: line one\r\ndata: line two\r\n\r\n" +
  "data: [DONE]\n\n";

function parseInPieces(text: string, cuts: number[]) {
  const parser = new SseParser();
  const out = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.feed(text.slice(at, cut)));
    at = cut;
  }
  return out;
}

describe("SseParser", () => {
  it("parses data, event names, comments, multi-line data and CRLF", () => {
    const events = parseInPieces(stream, []);
    expect(events.map((e) => e.event)).toEqual(["message", "error", "message", "message"]);
    expect(JSON.parse(events[0]?.data ?? "").choices[0].delta.content).toBe("Once");
    expect(events[2]?.data).toBe("line one\nline two");
    expect(events[3]?.data).toBe("[DONE]");
  });

  it("gives the same events however the stream is cut, byte by byte included", () => {
    const whole = parseInPieces(stream, []);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseInPieces(stream, [cut])).toEqual(whole);
    }
    const everyChar = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(parseInPieces(stream, everyChar)).toEqual(whole);
  });

  it("treats a CR at a chunk end followed by LF in the next chunk as one line break", () => {
    const parser = new SseParser();
    expect(parser.feed("data: a\r")).toEqual([]);
    expect(parser.feed("\n\r")).toEqual([{ event: "message", data: "a" }]);
    // that "\r" ended a blank line; the "\n" opening the next chunk is its pair, not another line
    expect(parser.feed("\ndata: b\n\n")).toEqual([{ event: "message", data: "b" }]);
  });

  it("does not emit an event until its blank line arrives, and drops an unterminated one at end", () => {
    const parser = new SseParser();
    expect(parser.feed("data: partial")).toEqual([]);
    expect(parser.feed("\n")).toEqual([]);
    parser.end();
    expect(parser.feed("data: next\n\n")).toEqual([{ event: "message", data: "next" }]);
  });

  it("keeps a field value without a space after the colon, and a field with no colon", () => {
    const parser = new SseParser();
    expect(parser.feed("data:x\ndata\n\n")).toEqual([{ event: "message", data: "x\n" }]);
  });

  it("handles multi-byte characters split across chunks with a streaming decoder", () => {
    const bytes = new TextEncoder().encode('data: {"t":"héllo ☃"}\n\n');
    const decoder = new TextDecoder();
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < bytes.length; i += 3) {
      events.push(...parser.feed(decoder.decode(bytes.subarray(i, i + 3), { stream: true })));
    }
    expect(JSON.parse(events[0]?.data ?? "").t).toBe("héllo ☃");
  });
});
