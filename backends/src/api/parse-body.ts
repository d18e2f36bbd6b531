import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "./errors.js";

/**
 * Reads and validates a JSON body. Malformed JSON, wrong types and unknown fields become
 * 400s naming the offending parameter (OpenAI style), never a 500.
 *
 * @example const body = await parseJsonBody(c, generateSchema(limits));
 */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "request body is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ApiError("invalid_request", "request body must be a JSON object");
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ApiError("invalid_request", "invalid request body");
  if (issue.code === "unrecognized_keys") {
    throw new ApiError(
      "invalid_request",
      `Unrecognized request argument supplied: ${issue.keys.join(", ")}`,
      { param: issue.keys[0] ?? null },
    );
  }
  const param = issue.path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    "",
  );
  const unsupported = /not supported|only .* supported/.test(issue.message);
  throw new ApiError(
    unsupported ? "unsupported_parameter" : "invalid_request",
    param ? `Invalid '${param}': ${issue.message}` : issue.message,
    { param: param || null },
  );
}
