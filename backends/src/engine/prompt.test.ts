import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { getLlama, LlamaCompletion, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptBuilder } from "./prompt.js";

const SMOLLM = resolve(import.meta.dirname, "../../../../shared/models/SmolLM2-135M-Instruct.Q4_1.gguf");
const present = existsSync(SMOLLM);
if (!present) {
  if (process.env.CI === "true") throw new Error(`chat model not found: ${SMOLLM}`);
  console.warn(`\n!!! SKIPPING chat-template prompt tests: ${SMOLLM} not found\n`);
}

/** The chat-template path on a real chat model (SmolLM2, ChatML): a trailing assistant turn stays open. */
describe.skipIf(!present)("PromptBuilder with a chat template (SmolLM2)", () => {
  let model: LlamaModel;
  let prompts: PromptBuilder;
  beforeAll(async () => {
    const llama = await getLlama({ build: "never", gpu: false });
    model = await llama.loadModel({ modelPath: SMOLLM });
    prompts = new PromptBuilder(model, "chat-template");
  });
  afterAll(() => model?.dispose());

  const question = {
    role: "user" as const,
    content: "What is the capital of France? Answer in one sentence.",
  };

  it("leaves a trailing assistant message open and counts it as prefill", () => {
    const plain = prompts.fromChat([question]);
    const prefilled = prompts.fromChat([
      question,
      { role: "assistant", content: "The capital of France is" },
    ]);
    expect(plain.prefillTokens).toBe(0);
    expect(prefilled.prefillTokens).toBeGreaterThan(3);
    expect(prefilled.promptTokens - prefilled.prefillTokens).toBe(plain.promptTokens);
    const text = model.detokenize(prefilled.tokens, true);
    expect(text.endsWith("<|im_start|>assistant\nThe capital of France is")).toBe(true);
    expect(text.match(/<\|im_start\|>assistant/g)).toHaveLength(1);
  });

  it("greedy generation continues the prefix instead of answering afresh", async () => {
    const prompt = prompts.fromChat([question, { role: "assistant", content: "The capital of France is" }]);
    const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
    try {
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const text = await completion.generateCompletion(prompt.tokens, {
        maxTokens: 8,
        temperature: 0,
        customStopTriggers: prompt.stopTriggers,
      });
      expect(text).toMatch(/Paris/);
      expect(text).not.toMatch(/capital/);
    } finally {
      await context.dispose();
    }
  });
});
