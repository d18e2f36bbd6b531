import { z } from "@hono/zod-openapi";

const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });

export const ChatMessageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"]),
    content: z.union([z.string(), z.array(TextPartSchema).min(1)]).nullish(),
    name: z.string().max(256).optional(),
  })
  .openapi("ChatMessage");

const maxTokens = z.number().int().min(1).max(32_768);

export const ChatCompletionRequestSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .openapi({ description: 'A catalogue model id, or "auto" to let the router choose.', example: "auto" }),
    messages: z.array(ChatMessageSchema).min(1).max(2_000),
    max_tokens: maxTokens.nullish(),
    max_completion_tokens: maxTokens.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    n: z.literal(1).nullish().openapi({ description: "Only 1 is supported." }),
    user: z.string().max(256).optional(),
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
  })
  .openapi("SwitchyardInfo");

const UsageSchema = z.object({
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
        message: z.object({ role: z.literal("assistant"), content: z.string() }),
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

export const ModelListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal("model"),
        created: z.number().int(),
        owned_by: z.string(),
        tier: z.number().int().nullable(),
        cost_weight: z.number().nullable(),
        context_length: z.number().int().nullable(),
      }),
    ),
  })
  .openapi("ModelList");
