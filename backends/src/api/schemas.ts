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

/** OpenAI fields a client may send; accepted with their default value only. */
const openAIFields = {
  model: z.string().min(1).optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  n: z.literal(1, "only n=1 is supported").nullable().optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  store: z.boolean().nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
};

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
    z.strictObject({ role: z.literal("assistant"), content: messageContent, name: z.string().optional() }),
  ],
  "role must be one of system, developer, user, assistant",
);

export type ChatMessage = z.output<typeof chatMessage>;

/** Text of a message whether content is a string or text parts. */
export function messageText(message: ChatMessage): string {
  return typeof message.content === "string"
    ? message.content
    : message.content.map((part) => part.text).join("");
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
      response_format: z
        .strictObject({ type: z.literal("text", "only response_format text is supported") })
        .nullable()
        .optional(),
    })
    .refine((body) => body.messages.some((m) => messageText(m).trim().length > 0), {
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
