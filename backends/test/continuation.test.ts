import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsPresent, postJson, readJson, readSse, startTestServer, type TestServer } from "./helpers.js";

/**
 * A trailing assistant message is a prefix the model continues (the edge's mid-stream rescue
 * relies on it): on the raw-format stories260K, greedy decoding of the prompt plus a prefix of
 * the model's own answer must go on where that answer went, not start a new turn.
 */
describe.skipIf(!modelsPresent)("continuation from a trailing assistant message (stories260K)", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  const chat = async (messages: { role: string; content: string }[], maxTokens: number) => {
    const res = await postJson(`${t.url}/v1/chat/completions`, {
      model: "stories260k",
      messages,
      max_tokens: maxTokens,
      temperature: 0,
    });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    return { res, text: body.choices[0].message.content as string, usage: body.usage };
  };

  it("continues the prefix: prefix + continuation is the uninterrupted greedy answer", async () => {
    const user = { role: "user", content: "Once upon a time" };
    const whole = await chat([user], 32);
    const words = whole.text.split(" ");
    const prefix = words.slice(0, Math.floor(words.length / 2)).join(" ");
    expect(prefix.length).toBeGreaterThan(5);
    const rest = await chat([user, { role: "assistant", content: prefix }], 16);
    expect(rest.text.startsWith(prefix)).toBe(false);
    expect(whole.text.startsWith(prefix + rest.text)).toBe(true);
    const prefillTokens = Number(rest.res.headers.get("x-switchyard-prefill-tokens"));
    expect(prefillTokens).toBeGreaterThan(0);
    // The prompt the backend evaluated is the original prompt plus the prefix.
    expect(rest.usage.prompt_tokens - prefillTokens).toBe(whole.usage.prompt_tokens);
    expect(whole.res.headers.get("x-switchyard-prefill-tokens")).toBeNull();
  });

  it("streamed: the chunks join the prefix without a lost or doubled space", async () => {
    const user = { role: "user", content: "Once upon a time" };
    const whole = await chat([user], 32);
    const cut = whole.text.indexOf(" ", 12);
    const prefix = whole.text.slice(0, cut);
    const res = await postJson(`${t.url}/v1/chat/completions`, {
      model: "stories260k",
      messages: [user, { role: "assistant", content: prefix }],
      max_tokens: 8,
      temperature: 0,
      stream: true,
    });
    const text = (await readSse(res))
      .filter((m) => m.data !== "[DONE]")
      .map((m) => JSON.parse(m.data).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text.startsWith(" ")).toBe(true);
    expect(whole.text.startsWith(prefix + text)).toBe(true);
  });

  it("multi-turn: the open assistant turn is continued, not closed and restarted", async () => {
    const turns = [
      { role: "system", content: "Tell stories." },
      { role: "user", content: "Once upon a time" },
    ];
    const whole = await chat(turns, 24);
    const prefix = whole.text.slice(0, Math.floor(whole.text.length / 2));
    const rest = await chat([...turns, { role: "assistant", content: prefix }], 24);
    expect(rest.text.startsWith(prefix)).toBe(false);
    expect(Number(rest.res.headers.get("x-switchyard-prefill-tokens"))).toBeGreaterThan(0);
  });
});
