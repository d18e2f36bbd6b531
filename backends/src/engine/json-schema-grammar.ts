import type { GbnfJsonSchema } from "node-llama-cpp";
import { ApiError } from "../api/errors.js";

/** Keywords node-llama-cpp's JSON-schema grammar enforces (anyOf is treated as oneOf). */
const ENFORCED = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "enum",
  "const",
  "oneOf",
  "anyOf",
  "minLength",
  "maxLength",
  "format",
  "$defs",
  "$ref",
  "minProperties",
  "maxProperties",
  "description",
]);
/** Annotations: they never constrain a value, so leaving them out of the grammar changes nothing. */
const ANNOTATIONS = new Set(["title", "default", "examples", "$schema", "$id", "$comment", "strict"]);
const FORMATS = new Set(["date", "time", "date-time"]);
const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);

/**
 * zod's JSON Schema for `.int()` bounds integers to the safe range (±(2^53-1)): the range of
 * integers JSON numbers hold exactly, not a constraint of the caller's. Those two bounds are
 * accepted (the grammar writes integers; one beyond 2^53 would need 16+ digits); any other
 * minimum or maximum cannot be enforced and is refused.
 */
function isSafeIntegerBound(node: Record<string, unknown>, key: string, value: unknown): boolean {
  if (node.type !== "integer") return false;
  return (
    (key === "minimum" && value === Number.MIN_SAFE_INTEGER) ||
    (key === "maximum" && value === Number.MAX_SAFE_INTEGER)
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Converts a request's JSON Schema (tool parameters, response_format) into the schema
 * node-llama-cpp builds a grammar from, so the output is guaranteed to match it. A keyword the
 * grammar cannot enforce is a 400 `unsupported_parameter` naming where it is: never ignored.
 *
 * @example toGrammarSchema({ type: "object", properties: { city: { type: "string" } } }, "tools[0].function.parameters")
 */
export function toGrammarSchema(schema: unknown, param: string): GbnfJsonSchema {
  const fail = (path: string, message: string): never => {
    throw new ApiError("unsupported_parameter", `Invalid '${path}': ${message}`, { param });
  };
  const convert = (node: unknown, path: string): Record<string, unknown> => {
    if (node === true) return {};
    if (!isObject(node)) return fail(path, "a schema must be an object");
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}.${key}`;
      if (ANNOTATIONS.has(key)) continue;
      if (isSafeIntegerBound(node, key, value)) continue;
      if (!ENFORCED.has(key))
        fail(at, `the JSON Schema keyword '${key}' is not supported (it cannot be enforced)`);
      switch (key) {
        case "properties":
        case "$defs": {
          if (!isObject(value)) fail(at, `${key} must be an object`);
          out[key] = Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(v, `${at}.${k}`)]),
          );
          break;
        }
        case "items":
        case "additionalProperties":
          out[key] = typeof value === "boolean" ? value : convert(value, at);
          break;
        case "prefixItems":
        case "oneOf":
        case "anyOf": {
          if (!Array.isArray(value) || value.length === 0) fail(at, `${key} must be a non-empty array`);
          out[key === "anyOf" ? "oneOf" : key] = (value as unknown[]).map((v, i) =>
            convert(v, `${at}[${i}]`),
          );
          break;
        }
        case "type": {
          const types = Array.isArray(value) ? value : [value];
          for (const t of types)
            if (typeof t !== "string" || !TYPES.has(t)) fail(at, `unknown type ${String(t)}`);
          out.type = value;
          break;
        }
        case "format":
          if (typeof value !== "string" || !FORMATS.has(value))
            fail(at, `format '${String(value)}' is not supported (only date, time, date-time)`);
          out.format = value;
          break;
        case "$ref":
          if (typeof value !== "string" || !value.startsWith("#/$defs/"))
            fail(at, "only local references of the form #/$defs/<name> are supported");
          out.$ref = value;
          break;
        default:
          out[key] = value;
      }
    }
    // The grammar reads a list of types only for scalars: spell ["object", "null"] out as alternatives.
    if (Array.isArray(out.type) && out.type.some((t) => t === "object" || t === "array")) {
      const { type, ...rest } = out;
      return {
        oneOf: (type as string[]).map((t) =>
          t === "object" || t === "array" ? { ...rest, type: t } : { type: t },
        ),
      };
    }
    if (out.oneOf && Object.keys(out).some((k) => k !== "oneOf" && k !== "description" && k !== "$defs"))
      fail(path, "anyOf/oneOf next to other constraints is not supported");
    // An object without properties and without additionalProperties: false takes any members.
    const objectOnly = out.type === "object";
    if (objectOnly && out.properties === undefined && out.additionalProperties === undefined)
      out.additionalProperties = true;
    if (Object.keys(out).filter((k) => k !== "description").length === 0) return ANY_VALUE;
    return out;
  };
  return convert(schema, param) as GbnfJsonSchema;
}

/** Any JSON value (the empty schema `{}`). */
const ANY_VALUE: Record<string, unknown> = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "array", items: { type: ["string", "number", "boolean", "null"] } },
    { type: "object", additionalProperties: true },
  ],
};

/** response_format json_object: any JSON object. */
export const ANY_OBJECT: GbnfJsonSchema = { type: "object", additionalProperties: true } as GbnfJsonSchema;
