import { describe, expect, it } from "vitest";
import { parseJudgeReply } from "../src/label.js";

describe("parseJudgeReply", () => {
  it("reads the structured {score} reply, or a SCORE line from judges without structured output", () => {
    expect(parseJudgeReply('{\n\t"score": 7\n}')).toBe(0.7);
    expect(parseJudgeReply("SCORE: 10")).toBe(1);
    expect(parseJudgeReply("The answer is fine.\nscore: 3")).toBe(0.3);
    expect(parseJudgeReply('{"score": 42}')).toBe(1);
    expect(parseJudgeReply("Nice story!")).toBeNull();
    expect(parseJudgeReply('{"grade": 5}')).toBeNull();
  });
});
