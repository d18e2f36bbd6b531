import { describe, expect, it } from "vitest";
import { tokensPerSecond } from "./reply";

describe("tokensPerSecond", () => {
  it("measures the tokens after the first over the time after the first", () => {
    const usage = { promptTokens: 5, completionTokens: 11, totalTokens: 16 };
    expect(tokensPerSecond({ usage, timing: { ttftMs: 200, totalMs: 1200, chunks: 11 } })).toBe(10);
    // Without usage the chunk count stands in for tokens.
    expect(tokensPerSecond({ timing: { ttftMs: 0, totalMs: 500, chunks: 6 } })).toBe(10);
    expect(tokensPerSecond({ timing: { ttftMs: 100, totalMs: 100, chunks: 1 } })).toBeUndefined();
    expect(tokensPerSecond({ timing: { chunks: 0 } })).toBeUndefined();
  });
});
