import { createRoute, z } from "@hono/zod-openapi";
import { completionErrors } from "./completions";
import type { FieldRule } from "./fields";
import {
  FALLBACK_LIST_NEEDS_MODEL,
  MaxTokensSchema,
  messageWithText,
  NON_BLANK_PATTERN,
  nonBlank,
  type ResponseFormatSchema,
  SwitchyardInfoSchema,
  typedSseEventSchema,
} from "./schemas";

const absent = (v: unknown) => v === undefined || v === null;

/** Text content parts: `input_text` from the user, `output_text` in assistant history. */
const TextPart = z.object({ type: z.enum(["input_text", "output_text"]), text: z.string() });

/** A message item of `input` (EasyInputMessage or a typed `message` item), text only. */
export const ResponsesInputMessageSchema = z
  .object({
    type: z.literal("message").optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([z.string(), z.array(TextPart).min(1)]),
    id: z.string().optional(),
    status: z.string().optional(),
  })
  .openapi("ResponsesInputMessage");

/** A function call the model made earlier, sent back as conversation history. */
export const ResponsesFunctionCallSchema = z
  .object({
    type: z.literal("function_call"),
    call_id: z.string().min(1).max(256),
    name: z.string().min(1).max(64),
    arguments: z.string(),
    id: z.string().optional(),
    status: z.string().optional(),
  })
  .openapi("ResponsesFunctionCall");

/** The result of such a call. */
export const ResponsesFunctionCallOutputSchema = z
  .object({
    type: z.literal("function_call_output"),
    call_id: z.string().min(1).max(256),
    output: z.string(),
    id: z.string().optional(),
    status: z.string().optional(),
  })
  .openapi("ResponsesFunctionCallOutput");

/** A function tool (the Responses API's flat form of chat's `{type, function: {...}}`). */
export const ResponsesToolSchema = z
  .object({
    type: z.literal("function"),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "function names are 1-64 letters, digits, _ or -"),
    description: z.string().max(8_192).nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  })
  .openapi("ResponsesTool");

/** `text.format`: the Responses API's name for response_format (flattened json_schema). */
const TextFormatSchema = z.union([
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullish(),
  }),
]);

/**
 * OpenAI's `POST /v1/responses`, text in and text out (what the current openai SDK helpers and
 * the AI SDK's `openai("...")` call). Fields that cannot be honoured are refused by
 * RESPONSES_FIELDS before this schema runs.
 */
export const ResponsesRequestSchema = z
  .strictObject({
    model: z.string().min(1).openapi({ description: 'A model id of the roster, or "auto".' }),
    models: z.array(z.string().min(1)).min(1).max(16).nullish(),
    input: z.union([
      nonBlank("input"),
      z
        .array(
          z.union([
            ResponsesInputMessageSchema,
            ResponsesFunctionCallSchema,
            ResponsesFunctionCallOutputSchema,
          ]),
        )
        .min(1)
        .max(2_000),
    ]),
    instructions: z.string().nullish(),
    max_output_tokens: MaxTokensSchema.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    text: z
      .object({ format: TextFormatSchema.optional(), verbosity: z.literal("medium").nullish() })
      .nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_obfuscation: z.boolean().optional() }).nullish(),
    tools: z.array(ResponsesToolSchema).max(128).nullish(),
    tool_choice: z
      .union([
        z.enum(["none", "auto", "required"]),
        z.object({ type: z.literal("function"), name: z.string().min(1) }),
      ])
      .nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    truncation: z.literal("disabled").nullish(),
    store: z.boolean().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    user: z.string().max(256).optional(),
    service_tier: z.string().nullish(),
    safety_identifier: z.string().max(256).nullish(),
    prompt_cache_key: z.string().max(1024).nullish(),
    include: z.array(z.string()).max(0).nullish(),
  })
  .openapi("ResponsesRequest", {
    allOf: [
      FALLBACK_LIST_NEEDS_MODEL,
      // Like chat messages: some text, in `instructions` or in one of the input messages.
      {
        anyOf: [
          {
            required: ["instructions"],
            properties: { instructions: { type: "string", pattern: NON_BLANK_PATTERN } },
          },
          {
            properties: {
              input: { anyOf: [{ type: "string" }, { type: "array", contains: messageWithText }] },
            },
          },
        ],
      },
    ],
  } as never);
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;

/** The chat `response_format` that a Responses `text.format` asks for (undefined: plain text). */
export function responseFormatOf(body: ResponsesRequest): z.infer<typeof ResponseFormatSchema> | undefined {
  const format = body.text?.format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, schema, description, strict } = format;
  return {
    type: "json_schema",
    json_schema: {
      name,
      schema,
      ...(description ? { description } : {}),
      ...(strict != null ? { strict } : {}),
    },
  };
}

const onlyEmpty = (what: string) => (v: unknown) =>
  absent(v) || (Array.isArray(v) && v.length === 0) ? null : `${what} are not supported on /v1/responses`;

/** Treatment of every Responses API field (see routes/fields.ts for the chat table). */
export const RESPONSES_FIELDS: Readonly<Record<string, FieldRule>> = {
  model: { treatment: "honoured" },
  models: { treatment: "honoured" },
  input: {
    treatment: "honoured",
    refuse: (v) => {
      if (!Array.isArray(v)) return null;
      for (const [i, item] of v.entries()) {
        const it = item as { type?: unknown; role?: unknown; content?: unknown } | null;
        if (
          it?.type !== undefined &&
          !["message", "function_call", "function_call_output"].includes(String(it.type))
        )
          return `input[${i}]: items of type ${String(it.type)} are not supported (text messages and function calls only)`;
        if (Array.isArray(it?.content)) {
          const part = (it.content as { type?: unknown }[]).find(
            (p) => p?.type !== "input_text" && p?.type !== "output_text",
          );
          if (part) return `input[${i}].content: ${String(part.type)} parts are not supported (text only)`;
        }
      }
      return null;
    },
  },
  instructions: { treatment: "honoured" },
  max_output_tokens: { treatment: "honoured" },
  temperature: { treatment: "honoured" },
  top_p: { treatment: "honoured" },
  text: {
    treatment: "honoured",
    refuse: (v) => {
      const verbosity = (v as { verbosity?: unknown } | null)?.verbosity;
      return absent(verbosity) || verbosity === "medium" ? null : "text.verbosity is not supported";
    },
  },
  stream: { treatment: "honoured" },
  stream_options: { treatment: "ignored" },
  tools: {
    treatment: "honoured",
    refuse: (v) => {
      if (!Array.isArray(v)) return null;
      const other = v.find((t) => (t as { type?: unknown } | null)?.type !== "function");
      return other === undefined
        ? null
        : `tools of type ${String((other as { type?: unknown } | null)?.type)} are not supported (function tools only)`;
    },
  },
  tool_choice: {
    treatment: "honoured",
    refuse: (v) =>
      absent(v) || typeof v === "string" || (v as { type?: unknown } | null)?.type === "function"
        ? null
        : "only none, auto, required or a named function are supported",
  },
  parallel_tool_calls: { treatment: "honoured" },
  truncation: {
    treatment: "refused",
    refuse: (v) => (absent(v) || v === "disabled" ? null : "only truncation: disabled is supported"),
  },
  include: { treatment: "refused", refuse: onlyEmpty("include values") },
  store: { treatment: "ignored" },
  metadata: { treatment: "ignored" },
  user: { treatment: "ignored" },
  service_tier: { treatment: "ignored" },
  safety_identifier: { treatment: "ignored" },
  prompt_cache_key: { treatment: "ignored" },
  previous_response_id: { treatment: "refused" },
  conversation: { treatment: "refused" },
  background: {
    treatment: "refused",
    refuse: (v) => (absent(v) || v === false ? null : "background is not supported"),
  },
  prompt: { treatment: "refused" },
  reasoning: { treatment: "refused" },
  top_logprobs: {
    treatment: "refused",
    refuse: (v) => (absent(v) || v === 0 ? null : "top_logprobs are not supported"),
  },
  max_tool_calls: { treatment: "refused" },
  context_management: { treatment: "refused" },
};

const OutputTextSchema = z.object({
  type: z.literal("output_text"),
  text: z.string(),
  annotations: z.array(z.unknown()),
  logprobs: z.array(z.unknown()),
});

export const ResponseObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal("response"),
    created_at: z.number().int(),
    status: z.enum(["completed", "incomplete", "failed", "in_progress"]),
    model: z.string(),
    output: z.array(
      z.object({
        type: z.literal("message"),
        id: z.string(),
        status: z.string(),
        role: z.literal("assistant"),
        content: z.array(OutputTextSchema),
      }),
    ),
    output_text: z.string(),
    usage: z
      .object({
        input_tokens: z.number(),
        output_tokens: z.number(),
        total_tokens: z.number(),
      })
      .passthrough()
      .nullable(),
    switchyard: SwitchyardInfoSchema,
  })
  .passthrough()
  .openapi("Response");

export const responsesRoute = createRoute({
  method: "post",
  path: "/v1/responses",
  summary: "OpenAI Responses API, text in and out (JSON, or SSE with response.* events)",
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { "application/json": { schema: ResponsesRequestSchema } } } },
  responses: {
    200: {
      description:
        "The response; with stream=true a text/event-stream of typed events: response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta, response.output_text.done, response.content_part.done, response.output_item.done, then response.completed (or response.incomplete), or error + response.failed",
      content: {
        "application/json": { schema: ResponseObjectSchema },
        "text/event-stream": { schema: typedSseEventSchema() },
      },
    },
    ...completionErrors,
  },
});
