import { z } from "@hono/zod-openapi";
import { AUTO_MODEL } from "../routing";

/**
 * Largest `max_tokens` a request may ask for: the backends' default cap (`--max-tokens-cap`,
 * backends/src/config.ts). Asking for more is refused here, not by the backend after routing.
 */
export const MAX_COMPLETION_TOKENS = 4096;

/**
 * Characters JavaScript's String.prototype.trim() removes. Spelled out (rather than `\s`) so the
 * OpenAPI pattern means the same in every regex dialect that reads the document.
 */
const BLANK = "\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";
/** Pattern of a string with at least one non-blank character. */
export const NON_BLANK_PATTERN = `[^${BLANK}]`;
export const nonBlank = (what: string) =>
  z.string().regex(new RegExp(NON_BLANK_PATTERN), `${what} must not be empty or only whitespace`);

const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });
const contentText = (content: string | { text: string }[] | null | undefined) =>
  typeof content === "string" ? content : (content ?? []).map((p) => p.text).join("");
const ContentSchema = z.union([z.string(), z.array(TextPartSchema).min(1)]);

export const ToolCallSchema = z
  .object({
    id: z.string().min(1).max(256),
    type: z.literal("function"),
    function: z.object({ name: z.string().min(1).max(64), arguments: z.string() }),
  })
  .openapi("ToolCall");

export const ChatMessageSchema = z
  .union([
    z.object({
      role: z.enum(["system", "developer", "user"]),
      content: ContentSchema,
      name: z.string().max(256).optional(),
    }),
    z.object({
      role: z.literal("assistant"),
      content: ContentSchema.nullish(),
      name: z.string().max(256).optional(),
      tool_calls: z.array(ToolCallSchema).max(128).nullish(),
      refusal: z.string().nullish(),
    }),
    z.object({ role: z.literal("tool"), content: ContentSchema, tool_call_id: z.string().min(1).max(256) }),
  ])
  .openapi("ChatMessage");

/** JSON Schema of a message whose text is not blank (the `contains` of `messages`). */
export const messageWithText = {
  type: "object",
  required: ["content"],
  properties: {
    content: {
      anyOf: [
        { type: "string", pattern: NON_BLANK_PATTERN },
        {
          type: "array",
          contains: { type: "object", properties: { text: { type: "string", pattern: NON_BLANK_PATTERN } } },
        },
      ],
    },
  },
};

const messages = z
  .array(ChatMessageSchema)
  .min(1)
  .max(2_000)
  .refine((list) => list.some((m) => new RegExp(NON_BLANK_PATTERN).test(contentText(m.content))), {
    message: "messages must contain some text",
  })
  .openapi({ description: "At least one message has non-blank text.", contains: messageWithText } as never);

export const MaxTokensSchema = z.number().int().min(1).max(MAX_COMPLETION_TOKENS);
const maxTokens = MaxTokensSchema;
/** zod's int() is a safe integer; the bounds make the OpenAPI document say so too. */
export const SeedSchema = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
/** Token id -> bias. The key rule is stated as propertyNames, which zod's record does not emit. */
export const LogitBiasSchema = z
  .record(z.string().regex(/^\d+$/, "logit_bias keys are token ids"), z.number().min(-100).max(100))
  .openapi({ propertyNames: { pattern: "^\\d+$" } } as never);
export const StopSchema = z.union([nonBlank("stop"), z.array(nonBlank("stop sequence")).max(4)]);

const JsonSchemaObject = z.record(z.string(), z.unknown());

export const ToolSchema = z
  .object({
    type: z.literal("function"),
    function: z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "function names are 1-64 letters, digits, _ or -"),
      description: z.string().max(8_192).optional(),
      parameters: JsonSchemaObject.optional(),
      strict: z.boolean().nullish(),
    }),
  })
  .openapi("Tool");

export const ToolChoiceSchema = z
  .union([
    z.enum(["none", "auto", "required"]),
    z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) }),
  ])
  .openapi("ToolChoice");

export const ResponseFormatSchema = z
  .union([
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        description: z.string().optional(),
        schema: JsonSchemaObject.optional(),
        strict: z.boolean().nullish(),
      }),
    }),
  ])
  .openapi("ResponseFormat");

/*
 * Cross-field rules the pipeline enforces, stated in the OpenAPI document. Written as anyOf, not
 * if/then or `not`: schemathesis 4.32's coverage phase crashes on those here.
 */

/** A `models` fallback list needs an explicit `model`, not "auto" (completion/model-choice.ts). */
export const FALLBACK_LIST_NEEDS_MODEL = {
  anyOf: [
    { properties: { models: { type: "null" } } },
    { properties: { model: { pattern: `^(?!${AUTO_MODEL}$)` } } },
  ],
};

/** A tool_choice other than "none" needs tools (the backends' planTools refuses it otherwise). */
const TOOL_CHOICE_NEEDS_TOOLS = {
  anyOf: [
    { properties: { tool_choice: { enum: [null, "none"] } } },
    { required: ["tools"], properties: { tools: { type: "array", minItems: 1 } } },
  ],
};

/**
 * The request as validated. Fields the gateway cannot honour (docs/api.md, routes/fields.ts)
 * are refused before this schema runs with their own message; the schema still states the values
 * that are accepted (`n: 1`, `logprobs: false`, no unknown fields), so the OpenAPI document
 * promises no more than the edge does.
 */
export const ChatCompletionRequestSchema = z
  .strictObject({
    model: z
      .string()
      .min(1)
      .openapi({ description: 'A catalogue model id, or "auto" to let the router choose.' }),
    models: z.array(z.string().min(1)).min(1).max(16).nullish().openapi({
      description:
        "Fallbacks, in order, for an explicit `model` that cannot answer (OpenRouter-style). Without it (or `x-switchyard-fallback: true`) a named model answers or the request fails with 503 model_unavailable.",
    }),
    messages,
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    top_k: z.number().int().min(0).max(1_000_000).nullish(),
    min_p: z.number().min(0).max(1).nullish(),
    seed: SeedSchema.nullish(),
    stop: StopSchema.nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    logit_bias: LogitBiasSchema.nullish(),
    stream: z.boolean().nullish(),
    stream_options: z
      .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
      .nullish(),
    n: z.literal(1).nullish().openapi({ description: "Only 1 is supported." }),
    tools: z.array(ToolSchema).max(128).nullish(),
    tool_choice: ToolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: ResponseFormatSchema.nullish(),
    logprobs: z.literal(false).nullish().openapi({ description: "Only false is supported." }),
    top_logprobs: z.literal(0).nullish().openapi({ description: "Only 0 is supported." }),
    modalities: z.array(z.literal("text")).nullish().openapi({ description: 'Only ["text"] is supported.' }),
    user: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    store: z.boolean().nullish(),
    service_tier: z.string().nullish(),
    safety_identifier: z.string().max(256).nullish(),
    prompt_cache_key: z.string().max(1024).nullish(),
  })
  .openapi("ChatCompletionRequest", { allOf: [FALLBACK_LIST_NEEDS_MODEL, TOOL_CHOICE_NEEDS_TOOLS] } as never);
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export const GenerateRequestSchema = z
  .strictObject({
    prompt: nonBlank("prompt"),
    model: z.string().min(1).default("auto"),
    max_tokens: maxTokens.optional(),
    temperature: z.number().min(0).max(2).optional(),
    stream: z.boolean().optional(),
  })
  .openapi("GenerateRequest");
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

export const SwitchyardInfoSchema = z
  .object({
    model: z.string().nullable(),
    route_reason: z.string(),
    route_confidence: z.number().nullable(),
    cache: z.enum(["HIT", "MISS", "BYPASS"]),
    request_id: z.string(),
    attempts: z.number().int(),
    fallback_from: z.array(z.string()),
    /** Set when the stream broke after its first token and another model continued the answer. */
    continued_after: z.string().nullable(),
  })
  .openapi("SwitchyardInfo");

export const UsageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});

export const ChatCompletionResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          tool_calls: z.array(ToolCallSchema).optional(),
        }),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: UsageSchema.nullable(),
    switchyard: SwitchyardInfoSchema,
  })
  .openapi("ChatCompletion");

export const GenerateResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("generation"),
    model: z.string(),
    text: z.string(),
    finish_reason: z.string().nullable(),
    usage: UsageSchema.nullable(),
    switchyard: SwitchyardInfoSchema,
  })
  .openapi("Generation");

export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string(),
      param: z.string().nullable(),
    }),
  })
  .openapi("Error");
const ToolCallDeltaSchema = z.object({
  index: z.number().int(),
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});

const DeltaSchema = z.object({
  role: z.literal("assistant").optional(),
  content: z.string().nullable().optional(),
  tool_calls: z.array(ToolCallDeltaSchema).optional(),
});

export const ChatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({ index: z.number().int(), delta: DeltaSchema, finish_reason: z.string().nullable() }),
    ),
    usage: UsageSchema.nullable().optional(),
    switchyard: SwitchyardInfoSchema.optional().openapi({ description: "On the final chunk(s) only." }),
  })
  .openapi("ChatCompletionChunk");

export const GenerationChunkSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    text: z.string(),
    finish_reason: z.string().nullable().optional(),
    usage: UsageSchema.nullable().optional(),
    switchyard: SwitchyardInfoSchema.optional().openapi({ description: "On the final chunk only." }),
  })
  .openapi("GenerationChunk");

/** One choice of a legacy text completion, the same in a reply and in a stream chunk. */
export const TextCompletionChoiceSchema = z.object({
  index: z.number().int(),
  text: z.string(),
  logprobs: z.null(),
  finish_reason: z.string().nullable(),
});

export const TextCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal("text_completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(TextCompletionChoiceSchema),
    usage: UsageSchema.nullable().optional(),
    switchyard: SwitchyardInfoSchema.optional().openapi({ description: "On the final chunk(s) only." }),
  })
  .openapi("TextCompletionChunk");

/** In-band error once a stream has started: the stream then closes without [DONE]. */
export const StreamErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string(),
      param: z.string().nullable(),
    }),
    switchyard: SwitchyardInfoSchema.optional(),
  })
  .openapi("StreamError");

/**
 * One server-sent event of a stream, as OpenAPI 3.1 describes an event-stream item: `data` is
 * either the JSON of `payload` (a chunk or an in-band error) or the terminator `[DONE]`.
 *
 * @example sseEventSchema("ChatCompletionChunk")
 */
export function sseEventSchema(payload: keyof typeof STREAM_PAYLOADS) {
  return z
    .object({
      event: z.string().optional(),
      id: z.string().optional(),
      retry: z.number().int().optional(),
      data: z.string().openapi({
        anyOf: [
          { const: "[DONE]" },
          {
            contentMediaType: "application/json",
            contentSchema: {
              anyOf: [
                { $ref: `#/components/schemas/${payload}` },
                { $ref: "#/components/schemas/StreamError" },
              ],
            },
          },
        ],
      } as never),
    })
    .openapi({ description: `One server-sent event: data is a ${payload}, an in-band error or [DONE].` });
}

/**
 * One server-sent event of a typed stream (the Responses API): `event` names the type and `data`
 * is that event's JSON object, whose `type` repeats it.
 */
export function typedSseEventSchema() {
  return z
    .object({
      event: z.string().regex(/^(response\.[a-z_.]+|error)$/),
      id: z.string().optional(),
      retry: z.number().int().optional(),
      data: z.string().openapi({
        contentMediaType: "application/json",
        contentSchema: { type: "object", required: ["type"], properties: { type: { type: "string" } } },
      } as never),
    })
    .openapi({ description: "One typed server-sent event (response.* or error)." });
}

const STREAM_PAYLOADS = {
  ChatCompletionChunk: ChatCompletionChunkSchema,
  GenerationChunk: GenerationChunkSchema,
  TextCompletionChunk: TextCompletionChunkSchema,
} as const;

/** Components referenced only from inside event-stream items; app.ts registers them by name. */
export const STREAM_SCHEMAS = { ...STREAM_PAYLOADS, StreamError: StreamErrorSchema } as const;
