import { createRoute, z } from "@hono/zod-openapi";
import { AUTO_MODEL } from "../routing";
import { completionErrors } from "./completions";
import type { FieldRule } from "./fields";
import { SwitchyardInfoSchema } from "./schemas";

const absent = (v: unknown) => v === undefined || v === null;

/** OpenAI's `POST /v1/embeddings`, routed by explicit model id to a model with the `embeddings` capability. */
export const EmbeddingsRequestSchema = z
  .strictObject({
    model: z
      .string()
      .min(1)
      // The pipeline refuses "auto" with its own message; the document states it as a pattern.
      .openapi({
        description: "A roster model with the embeddings capability (not auto).",
        pattern: `^(?!${AUTO_MODEL}$)`,
      }),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)]),
    encoding_format: z.enum(["float", "base64"]).nullish(),
    user: z.string().max(256).optional(),
  })
  .openapi("EmbeddingsRequest");
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** Treatment of every embeddings field. */
export const EMBEDDINGS_FIELDS: Readonly<Record<string, FieldRule>> = {
  model: { treatment: "honoured" },
  input: {
    treatment: "honoured",
    refuse: (v) =>
      Array.isArray(v) && v.some((item) => typeof item !== "string")
        ? "token-id inputs are not supported: send strings"
        : null,
  },
  encoding_format: { treatment: "honoured" },
  dimensions: {
    treatment: "refused",
    refuse: (v) => (absent(v) ? null : "dimensions is not supported (vectors have the model's own size)"),
  },
  user: { treatment: "ignored" },
};

export const EmbeddingsResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
    switchyard: SwitchyardInfoSchema,
  })
  .openapi("Embeddings");

export const embeddingsRoute = createRoute({
  method: "post",
  path: "/v1/embeddings",
  summary: "OpenAI-compatible embeddings (explicit model with the embeddings capability)",
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { "application/json": { schema: EmbeddingsRequestSchema } } } },
  responses: {
    200: {
      description: "One vector per input",
      content: { "application/json": { schema: EmbeddingsResponseSchema } },
    },
    ...completionErrors,
  },
});
