import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacPromptHash } from "./prompt-hash";

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
