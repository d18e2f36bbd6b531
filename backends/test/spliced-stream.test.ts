import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSpliceComment, SPLICE_HEADER } from "../../vocabulary/spliced-stream.js";
import { modelsPresent, postJson, readJson, startTestServer, type TestServer } from "./helpers.js";

/**
 * The spliced-stream protocol (vocabulary/spliced-stream.ts) on a real model: asked by the edge,
 * the backend writes every chunk as the client must see it and closes with a comment the edge
 * reads, so the edge can pipe the body to the client untouched.
 */
describe.skipIf(!modelsPresent)("spliced streams (stories260K)", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t?.close());

  const body = {
    model: "stories260k",
    messages: [{ role: "user", content: "Once upon a time" }],
    max_tokens: 12,
    temperature: 0,
  };
  const splice = (role: boolean) => ({
    [SPLICE_HEADER]: JSON.stringify({
      id: "chatcmpl-edge123",
      created: 1700000000,
      model: "edge-model-id",
      role,
    }),
  });
  const events = (text: string) => text.split("\n\n").filter((e) => e !== "");

  it("writes the edge's chunks and closes with a comment: no finish chunk, no [DONE]", async () => {
    const whole = (await readJson(await postJson(`${t.url}/v1/chat/completions`, body))).choices[0].message
      .content as string;
    const res = await postJson(
      `${t.url}/v1/chat/completions`,
      { ...body, stream: true },
      { headers: splice(true) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get(SPLICE_HEADER)).toBe("1");
    const all = events(await res.text());
    const closing = parseSpliceComment(all.at(-1) as string);
    expect(closing?.kind).toBe("end");
    const chunks = all.slice(0, -1).map((e) => {
      expect(e.startsWith("data: ")).toBe(true);
      return JSON.parse(e.slice(6));
    });
    expect(all.some((e) => e.includes("[DONE]"))).toBe(false);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: "chatcmpl-edge123", created: 1700000000, model: "edge-model-id" });
      expect(c.choices[0].finish_reason).toBeNull();
    }
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(whole);
    if (closing?.kind !== "end") throw new Error("no closing comment");
    expect(["stop", "length"]).toContain(closing.end.finish_reason);
    expect(closing.end.usage.completion_tokens).toBeGreaterThan(0);
    expect(closing.end.usage.total_tokens).toBe(
      closing.end.usage.prompt_tokens + closing.end.usage.completion_tokens,
    );
  });

  it("a continuation asks for no role chunk", async () => {
    const res = await postJson(
      `${t.url}/v1/chat/completions`,
      { ...body, stream: true },
      { headers: splice(false) },
    );
    const chunks = events(await res.text())
      .filter((e) => e.startsWith("data: "))
      .map((e) => JSON.parse(e.slice(6)));
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.some((c) => c.choices[0].delta.role !== undefined)).toBe(false);
  });

  it("without the header, or for a JSON reply, the answer is a plain OpenAI one", async () => {
    const plain = await postJson(`${t.url}/v1/chat/completions`, { ...body, stream: true });
    expect(plain.headers.get(SPLICE_HEADER)).toBeNull();
    const text = await plain.text();
    expect(text).toContain("data: [DONE]");
    expect(text).not.toContain(": switchyard-end");
    const json = await postJson(`${t.url}/v1/chat/completions`, body, { headers: splice(true) });
    expect(json.headers.get(SPLICE_HEADER)).toBeNull();
    expect((await readJson(json)).id).not.toBe("chatcmpl-edge123");
  });

  it("a malformed header is ignored (a plain stream), never an error", async () => {
    const res = await postJson(
      `${t.url}/v1/chat/completions`,
      { ...body, stream: true },
      { headers: { [SPLICE_HEADER]: "{not json" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get(SPLICE_HEADER)).toBeNull();
    expect(await res.text()).toContain("data: [DONE]");
  });
});
