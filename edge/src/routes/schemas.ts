import { z } from "@hono/zod-openapi";

const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });
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

const maxTokens = z.number().int().min(1).max(32_768);

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

/**
 * The request as validated. Fields the gateway cannot honour (docs/api.md, completion/fields.ts)
 * are refused before this schema runs, so it describes values, not treatment.
 */
export const ChatCompletionRequestSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .openapi({ description: 'A catalogue model id, or "auto" to let the router choose.', example: "auto" }),
    models: z.array(z.string().min(1)).min(1).max(16).nullish().openapi({
      description:
        "Fallbacks, in order, for an explicit `model` that cannot answer (OpenRouter-style). Without it (or `x-switchyard-fallback: true`) a named model answers or the request fails with 503 model_unavailable.",
    }),
    messages: z.array(ChatMessageSchema).min(1).max(2_000),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    top_k: z.number().int().min(0).max(1_000_000).nullish(),
    min_p: z.number().min(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    logit_bias: z
      .record(z.string().regex(/^\d+$/, "logit_bias keys are token ids"), z.number().min(-100).max(100))
      .nullish(),
    stream: z.boolean().nullish(),
    stream_options: z
      .object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
      .nullish(),
    n: z.number().int().min(1).nullish().openapi({ description: "Only 1 is supported." }),
    tools: z.array(ToolSchema).max(128).nullish(),
    tool_choice: ToolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: ResponseFormatSchema.nullish(),
    logprobs: z.boolean().nullish().openapi({ description: "Only false is supported." }),
    top_logprobs: z.number().int().min(0).max(20).nullish().openapi({ description: "Only 0 is supported." }),
    modalities: z.array(z.string()).nullish().openapi({ description: 'Only ["text"] is supported.' }),
    user: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.string()).nullish(),
    store: z.boolean().nullish(),
    service_tier: z.string().nullish(),
    safety_identifier: z.string().max(256).nullish(),
    prompt_cache_key: z.string().max(1024).nullish(),
  })
  .openapi("ChatCompletionRequest");
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export const GenerateRequestSchema = z
  .object({
    prompt: z.string().min(1),
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
