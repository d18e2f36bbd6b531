import { createRoute } from "@hono/zod-openapi";
import { apiErrors, bodyErrors, switchyardHeaders } from "./api-responses";
import {
  ChatCompletionRequestSchema,
  ChatCompletionResponseSchema,
  GenerateRequestSchema,
  GenerateResponseSchema,
  sseEventSchema,
} from "./schemas";

/** Every error a completion endpoint can answer with (the OpenAPI `responses`). */
export const completionErrors = { ...apiErrors, ...bodyErrors } as const;

export const chatCompletionsRoute = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  summary: "OpenAI-compatible chat completion (JSON or SSE stream)",
  security: [{ bearer: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: ChatCompletionRequestSchema } } },
  },
  responses: {
    200: {
      description:
        "The completion; with stream=true a text/event-stream of chat.completion.chunk events ending in [DONE]",
      headers: switchyardHeaders,
      content: {
        "application/json": { schema: ChatCompletionResponseSchema },
        "text/event-stream": { schema: sseEventSchema("ChatCompletionChunk") },
      },
    },
    ...completionErrors,
  },
});

export const generateRoute = createRoute({
  method: "post",
  path: "/generate",
  summary: "Simple text generation (JSON or SSE stream)",
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { "application/json": { schema: GenerateRequestSchema } } } },
  responses: {
    200: {
      description: "The generation; with stream=true a text/event-stream of {text} events ending in [DONE]",
      headers: switchyardHeaders,
      content: {
        "application/json": { schema: GenerateResponseSchema },
        "text/event-stream": { schema: sseEventSchema("GenerationChunk") },
      },
    },
    ...completionErrors,
  },
});
