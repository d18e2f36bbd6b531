import { z } from "zod";

/** Limits that shape validation; they come from the server options. */
export interface RequestLimits {
  maxTokensCap: number;
}

const nonBlank = (what: string) => z.string().refine((s) => s.trim().length > 0, `${what} must not be empty`);

const stop = z
  .union([nonBlank("stop"), z.array(nonBlank("stop sequence")).max(4, "at most 4 stop sequences")])
  .nullable()
  .optional();

/** Sampling and streaming fields shared by every generation endpoint. */
function generationFields(limits: RequestLimits) {
  return {
    max_tokens: z
      .number()
      .int("max_tokens must be an integer")
      .positive("max_tokens must be at least 1")
      .max(limits.maxTokensCap, `max_tokens must be at most ${limits.maxTokensCap}`)
      .nullable()
      .optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    stop,
    stream: z.boolean().nullable().optional(),
  };
}

/**
 * OpenAI fields every OpenAI endpoint takes: sampling extras (applied), `n` (1 only) and
 * bookkeeping fields that cannot change the output (accepted and ignored).
 */
const openAIFields = {
  model: z.string().min(1).optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  top_k: z.number().int().min(0).nullable().optional(),
  min_p: z.number().min(0).max(1).nullable().optional(),
  n: z.literal(1, "only n=1 is supported").nullable().optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  store: z.boolean().nullable().optional(),
  service_tier: z.string().nullable().optional(),
  safety_identifier: z.string().nullable().optional(),
  prompt_cache_key: z.string().nullable().optional(),
  logit_bias: z
    .record(z.string().regex(/^\d+$/, "logit_bias keys must be token ids"), z.number().min(-100).max(100))
    .nullable()
    .optional(),
};

const jsonSchemaObject = z.record(z.string(), z.unknown());

const functionName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "function names are 1-64 letters, digits, _ or -");

const tool = z.strictObject({
  type: z.literal("function", "only function tools are supported"),
  function: z.strictObject({
    name: functionName,
    description: z.string().optional(),
    parameters: jsonSchemaObject.optional(),
    strict: z.boolean().nullable().optional(),
  }),
});
export type Tool = z.output<typeof tool>;

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string() }) }),
]);
export type ToolChoice = z.output<typeof toolChoice>;

const responseFormat = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("text") }),
    z.strictObject({ type: z.literal("json_object") }),
    z.strictObject({
      type: z.literal("json_schema"),
      json_schema: z.strictObject({
        name: functionName,
        description: z.string().optional(),
        schema: jsonSchemaObject.optional(),
        strict: z.boolean().nullable().optional(),
      }),
    }),
  ],
  "response_format type must be text, json_object or json_schema",
);
export type ResponseFormat = z.output<typeof responseFormat>;

const toolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

const textPart = z.strictObject({ type: z.literal("text"), text: z.string() });
const messageContent = z.union([
  z.string(),
  z.array(textPart, "content parts other than text are not supported").min(1),
]);

const chatMessage = z.discriminatedUnion(
  "role",
  [
    z.strictObject({ role: z.literal("system"), content: messageContent, name: z.string().optional() }),
    z.strictObject({ role: z.literal("developer"), content: messageContent, name: z.string().optional() }),
    z.strictObject({ role: z.literal("user"), content: messageContent, name: z.string().optional() }),
    z.strictObject({
      role: z.literal("assistant"),
      content: messageContent.nullable().optional(),
      name: z.string().optional(),
      tool_calls: z.array(toolCall).nullable().optional(),
      refusal: z.string().nullable().optional(),
    }),
    z.strictObject({ role: z.literal("tool"), content: messageContent, tool_call_id: z.string().min(1) }),
  ],
  "role must be one of system, developer, user, assistant, tool",
);

export type ChatMessage = z.output<typeof chatMessage>;

/** Text of a message whether content is a string or text parts. */
export function messageText(message: ChatMessage): string {
  const content = message.content ?? "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/** POST /v1/chat/completions */
export function chatCompletionSchema(limits: RequestLimits) {
  return z
    .strictObject({
      ...openAIFields,
      ...generationFields(limits),
      messages: z.array(chatMessage).min(1, "messages must not be empty"),
      max_completion_tokens: generationFields(limits).max_tokens,
      logprobs: z.literal(false, "logprobs are not supported").nullable().optional(),
      top_logprobs: z.literal(0, "top_logprobs are not supported").nullable().optional(),
      modalities: z.array(z.literal("text", "only text output is supported")).nullable().optional(),
      tools: z.array(tool).max(128).nullable().optional(),
      tool_choice: toolChoice.nullable().optional(),
      parallel_tool_calls: z.boolean().nullable().optional(),
      response_format: responseFormat.nullable().optional(),
    })
    .refine((body) => body.messages.some((m) => messageText(m).trim().length > 0 || m.role === "tool"), {
      message: "messages must contain some text",
      path: ["messages"],
    });
}

/** POST /v1/completions */
export function completionSchema(limits: RequestLimits) {
  return z.strictObject({
    ...openAIFields,
    ...generationFields(limits),
    prompt: z
      .union([z.string(), z.array(z.string())], "prompt must be a string")
      .superRefine((prompt, ctx) => {
        if (Array.isArray(prompt) && prompt.length !== 1)
          ctx.addIssue({
            code: "custom",
            message: "batched prompts are not supported: send one prompt string",
          });
        else if ((Array.isArray(prompt) ? (prompt[0] ?? "") : prompt).trim().length === 0)
          ctx.addIssue({ code: "custom", message: "prompt must not be empty" });
      }),
    echo: z.literal(false, "echo is not supported").nullable().optional(),
    suffix: z.null("suffix is not supported").optional(),
    logprobs: z.null("logprobs are not supported").optional(),
    best_of: z.literal(1, "only best_of=1 is supported").nullable().optional(),
  });
}

/** POST /generate: the simple API. */
export function generateSchema(limits: RequestLimits) {
  return z.strictObject({ prompt: nonBlank("prompt"), ...generationFields(limits) });
}

export type ChatCompletionRequest = z.output<ReturnType<typeof chatCompletionSchema>>;
export type CompletionRequest = z.output<ReturnType<typeof completionSchema>>;
export type GenerateRequest = z.output<ReturnType<typeof generateSchema>>;
