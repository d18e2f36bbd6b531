import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CHAT_FIELDS, unsupportedParams } from "./fields";
import { ChatCompletionRequestSchema } from "./schemas";

const API_DOC = resolve(import.meta.dirname, "../../../docs/api.md");

/** Rows of the "Chat completions request fields" table in docs/api.md: field -> treatment. */
function documentedFields(): Record<string, string> {
  const doc = readFileSync(API_DOC, "utf8");
  const section = doc.split("## Chat completions request fields")[1]?.split("\n## ")[0] ?? "";
  const rows: Record<string, string> = {};
  for (const line of section.split("\n")) {
    const m = /^\| `([a-z_]+)` \| (honoured|ignored|refused) \|/.exec(line);
    if (m?.[1] && m[2]) rows[m[1]] = m[2];
  }
  return rows;
}

describe("chat request fields", () => {
  it("docs/api.md lists every field with the treatment the code applies", () => {
    const documented = documentedFields();
    const inCode = Object.fromEntries(Object.entries(CHAT_FIELDS).map(([k, v]) => [k, v.treatment]));
    expect(Object.keys(documented).length).toBeGreaterThan(30);
    expect(documented).toEqual(inCode);
  });

  it("the request schema has exactly the table's fields that some value of passes (none without a treatment)", () => {
    const accepted = Object.entries(CHAT_FIELDS)
      .filter(([, rule]) => rule.treatment !== "refused" || rule.refuse)
      .map(([field]) => field);
    expect(Object.keys(ChatCompletionRequestSchema.shape).sort()).toEqual(accepted.sort());
  });

  it("names unknown, refused and unsupported values, and passes honoured and ignored ones", () => {
    const found = unsupportedParams({
      model: "auto",
      messages: [],
      user: "u1",
      store: true,
      logprobs: false,
      n: 1,
      stream_options: { include_usage: true, include_obfuscation: false },
      top_k: 3,
    });
    expect(found).toEqual([]);
    expect(
      unsupportedParams({
        n: 2,
        logprobs: true,
        audio: { voice: "x" },
        frobnicate: 1,
        modalities: ["audio"],
      }).map((u) => u.param),
    ).toEqual(["n", "logprobs", "audio", "frobnicate", "modalities"]);
    expect(unsupportedParams({ stream_options: { chunk_size: 3 } })[0]?.message).toContain("chunk_size");
    // Refused fields sent with their "off" value are fine.
    expect(unsupportedParams({ audio: null, functions: undefined, top_logprobs: 0 })).toEqual([]);
  });
});
