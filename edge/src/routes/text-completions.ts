import { createRoute, z } from "@hono/zod-openapi";
import { completionErrors } from "./completions";
import type { FieldRule } from "./fields";
import {
  FALLBACK_LIST_NEEDS_MODEL,
  LogitBiasSchema,
  MaxTokensSchema,
  nonBlank,
  SeedSchema,
  StopSchema,
  SwitchyardInfoSchema,
  sseEventSchema,
  TextCompletionChoiceSchema,
  UsageSchema,
} from "./schemas";

const absent = (v: unknown) => v === undefined || v === null;

/**
 * OpenAI's legacy `POST /v1/completions` (what LlamaIndex and older clients call): a raw prompt
 * continued by the model, no chat template. Refused values are named by COMPLETIONS_FIELDS
 * before this schema runs.
 */
export const TextCompletionRequestSchema = z
  .strictObject({
    model: z.string().min(1).openapi({ description: 'A model id of the roster, or "auto".' }),
    models: z.array(z.string().min(1)).min(1).max(16).nullish(),
    prompt: z
      .union([nonBlank("prompt"), z.array(nonBlank("prompt")).min(1).max(1)])
      .openapi({ description: "One prompt (a list of exactly one string is accepted)." }),
    max_tokens: MaxTokensSchema.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: SeedSchema.nullish(),
    stop: StopSchema.nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    logit_bias: LogitBiasSchema.nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
    n: z.literal(1).nullish().openapi({ description: "Only 1 is supported." }),
    best_of: z.literal(1).nullish().openapi({ description: "Only 1 is supported." }),
    echo: z.literal(false).nullish().openapi({ description: "Only false is supported." }),
    logprobs: z.null().optional().openapi({ description: "Not supported (null only)." }),
    user: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    store: z.boolean().nullish(),
  })
  .openapi("TextCompletionRequest", FALLBACK_LIST_NEEDS_MODEL as never);
export type TextCompletionRequest = z.infer<typeof TextCompletionRequestSchema>;

/** Treatment of every legacy completions field (see routes/fields.ts for the chat table). */
export const COMPLETIONS_FIELDS: Readonly<Record<string, FieldRule>> = {
  model: { treatment: "honoured" },
  models: { treatment: "honoured" },
  prompt: {
    treatment: "honoured",
    refuse: (v) =>
      Array.isArray(v) && (v.length !== 1 || typeof v[0] !== "string")
        ? "send one prompt string (batched and token-id prompts are not supported)"
        : null,
  },
  max_tokens: { treatment: "honoured" },
  temperature: { treatment: "honoured" },
  top_p: { treatment: "honoured" },
  seed: { treatment: "honoured" },
  stop: { treatment: "honoured" },
  presence_penalty: { treatment: "honoured" },
  frequency_penalty: { treatment: "honoured" },
  logit_bias: { treatment: "honoured" },
  stream: { treatment: "honoured" },
  stream_options: {
    treatment: "honoured",
    refuse: (v) => {
      if (absent(v) || typeof v !== "object") return null;
      const extra = Object.keys(v as object).filter((k) => k !== "include_usage");
      return extra.length ? `stream_options.${extra[0]} is not supported` : null;
    },
  },
  n: { treatment: "honoured", refuse: (v) => (absent(v) || v === 1 ? null : "only n=1 is supported") },
  best_of: {
    treatment: "honoured",
    refuse: (v) => (absent(v) || v === 1 ? null : "only best_of=1 is supported"),
  },
  echo: { treatment: "refused", refuse: (v) => (absent(v) || v === false ? null : "echo is not supported") },
  logprobs: { treatment: "refused", refuse: (v) => (absent(v) ? null : "logprobs are not supported") },
  suffix: { treatment: "refused" },
  user: { treatment: "ignored" },
  metadata: { treatment: "ignored" },
  store: { treatment: "ignored" },
};

export const TextCompletionResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("text_completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(TextCompletionChoiceSchema),
    usage: UsageSchema.nullable(),
    switchyard: SwitchyardInfoSchema,
  })
  .openapi("TextCompletion");

export const textCompletionsRoute = createRoute({
  method: "post",
  path: "/v1/completions",
  summary: "OpenAI-compatible legacy text completion (JSON or SSE stream)",
  security: [{ bearer: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: TextCompletionRequestSchema } } },
  },
  responses: {
    200: {
      description:
        "The completion; with stream=true a text/event-stream of text_completion events ending in [DONE]",
      content: {
        "application/json": { schema: TextCompletionResponseSchema },
        "text/event-stream": { schema: sseEventSchema("TextCompletionChunk") },
      },
    },
    ...completionErrors,
  },
});
