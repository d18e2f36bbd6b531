import { createRoute } from "@hono/zod-openapi";
import {
  ChatCompletionRequestSchema,
  ChatCompletionResponseSchema,
  ErrorSchema,
  GenerateRequestSchema,
  GenerateResponseSchema,
} from "./schemas";

export const completionErrors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: {
    description: "Missing or invalid credentials",
    content: { "application/json": { schema: ErrorSchema } },
  },
  403: {
    description: "Credentials lack the required scope",
    content: { "application/json": { schema: ErrorSchema } },
  },
  404: { description: "Unknown model", content: { "application/json": { schema: ErrorSchema } } },
  413: { description: "Request body too large", content: { "application/json": { schema: ErrorSchema } } },
  429: {
    description: "Rate limited (see Retry-After)",
    content: { "application/json": { schema: ErrorSchema } },
  },
  503: {
    description: "No backend available (see Retry-After)",
    content: { "application/json": { schema: ErrorSchema } },
  },
} as const;

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
      content: {
        "application/json": { schema: ChatCompletionResponseSchema },
        "text/event-stream": { schema: { type: "string" } },
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
      content: {
        "application/json": { schema: GenerateResponseSchema },
        "text/event-stream": { schema: { type: "string" } },
      },
    },
    ...completionErrors,
  },
});
