import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacPromptHash, promptHashText } from "./prompt-hash";

describe("hmacPromptHash", () => {
  it("is HMAC-SHA256 in lowercase hex, matching node:crypto", async () => {
    const expected = createHmac("sha256", "secret").update("héllo wörld").digest("hex");
    expect(await hmacPromptHash("secret", "héllo wörld")).toBe(expected);
  });

  it("depends on the key and never contains the prompt", async () => {
    const a = await hmacPromptHash("k1", "my secret prompt");
    const b = await hmacPromptHash("k2", "my secret prompt");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret");
  });

  it("refuses an empty key", async () => {
    await expect(hmacPromptHash("", "x")).rejects.toThrow();
  });
});

describe("promptHashText", () => {
  it("is the raw prompt for completions and role: content lines for chat", () => {
    expect(promptHashText({ prompt: "Once upon a time" })).toBe("Once upon a time");
    expect(
      promptHashText({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Capital of France?" },
        ],
      }),
    ).toBe("system: Be brief.\nuser: Capital of France?");
  });

  it("gives the edge and a model server the same hash for one request", async () => {
    // The edge hashes its normalised request, a backend the messages it was sent: same text, same key.
    const messages = [{ role: "user", content: "héllo" }];
    const edge = await hmacPromptHash("shared-key", promptHashText({ messages }));
    const backend = await hmacPromptHash("shared-key", promptHashText({ messages: [...messages] }));
    expect(edge).toBe(backend);
  });
});
