/**
 * Prompt format from the model file: a GGUF with `tokenizer.chat_template` is prompted through
 * node-llama-cpp's chat wrapper, one without gets raw text, `--prompt-format` forces either, and
 * /ready says which and why. Real servers on SmolLM2 (ChatML template) and stories260K (none).
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBackendOptions } from "../src/config.js";
import { modelsPresent, postJson, readJson, SMOLLM2, smolPresent, startTestServer } from "./helpers.js";

const PARIS = {
  messages: [{ role: "user", content: "What is the capital of France? Answer in one sentence." }],
  temperature: 0,
  max_tokens: 32,
};

interface Ready {
  status: string;
  prompt_format: string;
  prompt_format_source: string;
}

describe.skipIf(!smolPresent)("a .gguf path outside the catalogue with a chat template", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "prompt-format-"));
    // A name the catalogue does not know, so nothing but the file itself says how to prompt it.
    await symlink(SMOLLM2, join(dir, "my-chat-model.gguf"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("uses the GGUF's template (auto): /ready says ChatML and the chat answers", async () => {
    const t = await startTestServer({ model: join(dir, "my-chat-model.gguf"), contextSize: 1024 });
    try {
      const ready = (await (await fetch(`${t.url}/ready`)).json()) as Ready;
      expect(ready).toMatchObject({
        status: "ready",
        prompt_format: "ChatML",
        prompt_format_source: "gguf chat template",
      });
      expect(t.logs.find((l) => l.msg === "model loaded")).toMatchObject({
        prompt_format: "ChatML",
        prompt_format_source: "gguf chat template",
      });
      const res = await postJson(`${t.url}/v1/chat/completions`, { model: "my-chat-model", ...PARIS });
      expect(res.status).toBe(200);
      const body = (await readJson(res)) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content).toMatch(/Paris/);
    } finally {
      await t.close();
    }
  });

  it("--prompt-format raw overrides the template, and /ready says so", async () => {
    const t = await startTestServer({
      model: join(dir, "my-chat-model.gguf"),
      contextSize: 1024,
      promptFormat: "raw",
    });
    try {
      const ready = (await (await fetch(`${t.url}/ready`)).json()) as Ready;
      expect(ready).toMatchObject({ prompt_format: "raw", prompt_format_source: "--prompt-format" });
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!modelsPresent)("a GGUF without a chat template", () => {
  it("is prompted raw (auto)", async () => {
    const t = await startTestServer({ model: "stories260k" });
    try {
      const ready = (await (await fetch(`${t.url}/ready`)).json()) as Ready;
      expect(ready).toMatchObject({
        prompt_format: "raw",
        prompt_format_source: "no chat template in the gguf",
      });
    } finally {
      await t.close();
    }
  });
});

describe("--prompt-format", () => {
  it("accepts auto, chat-template and raw (flag or SWITCHYARD_PROMPT_FORMAT), auto by default", () => {
    expect(parseBackendOptions(["--model", "x.gguf"], {}).promptFormat).toBe("auto");
    expect(parseBackendOptions(["--model", "x.gguf", "--prompt-format", "raw"], {}).promptFormat).toBe("raw");
    expect(
      parseBackendOptions(["--model", "x.gguf"], { SWITCHYARD_PROMPT_FORMAT: "chat-template" }).promptFormat,
    ).toBe("chat-template");
    expect(() => parseBackendOptions(["--model", "x.gguf", "--prompt-format", "jinja"], {})).toThrow(
      /--prompt-format/,
    );
  });
});
