import { describe, expect, it } from "vitest";
import { chooseModelIndex, lambdaForLoss } from "../../edge/src/routing/classifier/decide.js";
import type { RouterMeta } from "../../edge/src/routing/classifier/meta.js";
import { extractFeatures, normalisePrompt } from "../../edge/src/routing/features/index.js";

describe("decision rule: best predicted quality minus a price of cost", () => {
  const costs = [1, 2, 2, 9];
  const q = [0.5, 0.6, 0.62, 0.8];
  it("lambda 0 takes the best predicted quality, a large lambda the cheapest", () => {
    expect(chooseModelIndex(q, costs, 0, 9)).toBe(3);
    expect(chooseModelIndex(q, costs, 100, 9)).toBe(0);
  });
  it("trades quality for cost in between", () => {
    // utilities at lambda 0.9 (scale 9): 0.4, 0.4, 0.42, -0.1
    expect(chooseModelIndex(q, costs, 0.9, 9)).toBe(2);
    // at 0.18: 0.48, 0.56, 0.58, 0.62
    expect(chooseModelIndex(q, costs, 0.18, 9)).toBe(3);
  });
  it("breaks ties towards the cheaper model and skips undeployed (-Infinity) models", () => {
    expect(chooseModelIndex([0.7, 0.7, 0.7], [3, 1, 2], 0, 3)).toBe(1);
    expect(chooseModelIndex([0.5, Number.NEGATIVE_INFINITY, 0.4], [1, 1, 1], 0, 1)).toBe(0);
    expect(chooseModelIndex([Number.NEGATIVE_INFINITY], [1], 0, 1)).toBe(-1);
  });
  it("maps the operator's quality-loss knob to lambda through the training table", () => {
    const policy = {
      lambda: 0.2,
      loss_table: [
        { max_quality_loss: 0, lambda: 0.05, cv_quality: 0.62, cv_cost: 2 },
        { max_quality_loss: 0.01, lambda: 0.2, cv_quality: 0.61, cv_cost: 1.2 },
        { max_quality_loss: 0.02, lambda: 0.6, cv_quality: 0.6, cv_cost: 0.8 },
      ],
    } as unknown as RouterMeta["policy"];
    expect(lambdaForLoss(policy, 0)).toBe(0.05);
    expect(lambdaForLoss(policy, 0.015)).toBe(0.2);
    expect(lambdaForLoss(policy, 0.5)).toBe(0.6);
  });
});

describe("boilerplate normalisation (decisions must not hinge on greetings or sign-offs)", () => {
  const task = "Natalia sold 48 clips in April and half as many in May. How many clips did she sell?";
  it("strips greetings, help requests, thanks and brevity requests, keeping the task", () => {
    for (const variant of [
      `Hi! Could you help me with this one, please?\n\n${task}`,
      `${task}\n\nThanks, keep the answer short.`,
      `Hello there, can you help me with this question? ${task} Thank you so much!`,
      `Good morning. I have a quick question: ${task}\nCheers, Bob`,
      `  ${task.replace(/ /g, "   ")}  \r\n\r\n\r\n`,
    ])
      expect(normalisePrompt(variant)).toBe(task);
    expect(Array.from(extractFeatures(`Hey! ${task} Thanks!`))).toEqual(Array.from(extractFeatures(task)));
  });
  it("leaves content alone: a sentence that only looks like boilerplate, code indentation", () => {
    expect(normalisePrompt("Which option is best")).toBe("Which option is best");
    expect(normalisePrompt("Say thanks")).toBe("Say thanks");
    expect(normalisePrompt("Thanks")).toBe("Thanks");
    expect(normalisePrompt("def f(x):\n    return x\n")).toBe("def f(x):\n    return x");
  });
});
