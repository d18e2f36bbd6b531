import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk-text";
import { type ReplyMeta, replyFormats } from "./format";

const meta = (): ReplyMeta => ({
  id: "chatcmpl-abc123",
  created: 1_767_000_000,
  model: "qwen2.5-7b-instruct",
  switchyard: {
    model: "qwen2.5-7b-instruct",
    route_reason: "explicit",
    route_confidence: null,
    cache: "BYPASS",
    request_id: "req-1",
    attempts: 1,
    fallback_from: [],
    continued_after: null,
  },
});

const CONTENTS = ["", "Once", ' "quoted" \\ back', "line\nbreak\u2028sep\t", "😀 naïve", "\u0000nul"];

describe("chunkText", () => {
  for (const [endpoint, format] of Object.entries(replyFormats)) {
    it(`${endpoint}: byte for byte what JSON.stringify(format.chunk(...)) gives, first chunk or not`, () => {
      const m = meta();
      const text = chunkText(format, m);
      for (const content of CONTENTS)
        for (const first of [true, false])
          expect(text(content, first)).toBe(JSON.stringify(format.chunk(m, content, first)));
    });
  }

  it("follows a change of the reply's model (a continuation on another backend)", () => {
    const m = meta();
    const format = replyFormats["chat.completions"];
    const text = chunkText(format, m);
    expect(text("a", false)).toContain('"model":"qwen2.5-7b-instruct"');
    m.model = "gemma-2-9b-it";
    expect(text("b", false)).toBe(JSON.stringify(format.chunk(m, "b", false)));
    expect(text("b", false)).toContain('"model":"gemma-2-9b-it"');
  });
});
