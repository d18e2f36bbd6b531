import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.js";
import { toGrammarSchema } from "./json-schema-grammar.js";

const refusal = (schema: unknown) => {
  try {
    toGrammarSchema(schema, "response_format.json_schema.schema");
  } catch (error) {
    if (error instanceof ApiError) return { kind: error.kind, param: error.param, message: error.message };
    throw error;
  }
  return null;
};

describe("toGrammarSchema", () => {
  it("keeps what the grammar enforces and drops annotations", () => {
    expect(
      toGrammarSchema(
        {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          title: "P",
          type: "object",
          properties: { n: { anyOf: [{ type: "string", maxLength: 3 }, { type: "null" }], default: null } },
          required: ["n"],
          additionalProperties: false,
        },
        "p",
      ),
    ).toEqual({
      type: "object",
      properties: { n: { oneOf: [{ type: "string", maxLength: 3 }, { type: "null" }] } },
      required: ["n"],
      additionalProperties: false,
    });
  });

  it("spells out type lists with objects, bare objects take any members, {} is any value", () => {
    expect(toGrammarSchema({ type: ["object", "null"], properties: {} }, "p")).toEqual({
      oneOf: [{ type: "object", properties: {} }, { type: "null" }],
    });
    expect(toGrammarSchema({ type: "object" }, "p")).toEqual({ type: "object", additionalProperties: true });
    expect(toGrammarSchema({}, "p")).toHaveProperty("oneOf");
  });

  it("accepts zod's safe-integer bounds on integers and refuses any real bound, naming its path", () => {
    expect(
      toGrammarSchema(
        { type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
        "p",
      ),
    ).toEqual({ type: "integer" });
    expect(refusal({ type: "object", properties: { age: { type: "integer", minimum: 0 } } })).toMatchObject({
      kind: "unsupported_parameter",
      param: "response_format.json_schema.schema",
      message: expect.stringContaining("properties.age.minimum"),
    });
    for (const schema of [
      { type: "string", pattern: "^a" },
      { allOf: [{ type: "string" }] },
      { type: "string", format: "email" },
      { $ref: "#/definitions/x" },
      { type: "number", maximum: Number.MAX_SAFE_INTEGER },
    ])
      expect(refusal(schema)?.kind).toBe("unsupported_parameter");
  });
});
