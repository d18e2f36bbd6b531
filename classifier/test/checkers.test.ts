import { describe, expect, it } from "vitest";
import { checkAnswer, extractChoice, heuristicScore } from "../src/checkers.js";
import { parseChoices, routingText } from "../src/data.js";

describe("answer checkers", () => {
  it("multiple choice: letter or option text", () => {
    const choices = "['cat', 'dog', 'fish']";
    expect(checkAnswer("The answer is (B).", "B", { choices, metric: "em_mc" })).toBe(1);
    expect(checkAnswer("Answer: C", "B", { choices, metric: "em_mc" })).toBe(0);
    expect(checkAnswer("B. dog", "B", { choices })).toBe(1);
    expect(checkAnswer("It is a dog, obviously", "B", { choices })).toBe(1);
    expect(extractChoice("I am not sure", ["cat", "dog"])).toBeNull();
  });
  it("numbers: the last number in the output, GSM8K references", () => {
    expect(checkAnswer("2 + 3 = 5", "5", {})).toBe(1);
    expect(checkAnswer("so the total is $1,250.", "He pays 1000+250 = 1250 dollars\n#### 1250", {})).toBe(1);
    expect(checkAnswer("It is 6", "5", {})).toBe(0);
    expect(checkAnswer("x = 3/4", "0.75", {})).toBe(1);
  });
  it("text: normalised match, containment, else token F1", () => {
    expect(checkAnswer("Sammy Davis, Jr.", "Sammy Davis Jr", {})).toBe(1);
    expect(checkAnswer("It was sung by Sammy Davis Jr in 1968", "Sammy Davis Jr", {})).toBe(1);
    expect(checkAnswer("Sammy", "Sammy Davis Jr", {})).toBeCloseTo(0.5, 5);
    expect(checkAnswer("nothing", "Bayreuth", {})).toBe(0);
  });
  it("heuristic fallback: empty, truncated, repetitive, echo", () => {
    const base = { error: null, finish_reason: "stop", prompt: "Tell me a story" };
    expect(heuristicScore({ ...base, output: "" })).toBe(0);
    expect(heuristicScore({ ...base, output: "Once upon a time a cat found a hat." })).toBe(1);
    expect(
      heuristicScore({ ...base, output: "Once upon a time a cat found a hat.", finish_reason: "length" }),
    ).toBe(0.5);
    expect(heuristicScore({ ...base, output: "the the the the the the the the" })).toBeLessThan(0.3);
    expect(heuristicScore({ ...base, output: "x", error: "HTTP 500" })).toBe(0);
  });
  it("renders the public data's Python-literal choices into the routing text", () => {
    expect(parseChoices("{'text': ['sand count', \"it's wet\"], 'label': ['A', 'B']}")).toEqual([
      "sand count",
      "it's wet",
    ]);
    expect(parseChoices("['$100', '$150']")).toEqual(["$100", "$150"]);
    expect(
      routingText({ prompt: "a desert has low", scores: {}, metric: "em_mc", choices: "['rain', 'sand']" }),
    ).toBe("a desert has low\nA. rain\nB. sand");
  });
});
