import type { z } from "zod";
import {
  type CompletionRequest,
  type Endpoint,
  fromChat,
  fromGenerate,
  fromTextCompletion,
} from "../completion/request";
import { fromResponses } from "../responses/request";
import { ResponsesRequestSchema } from "../routes/responses";
import { ChatCompletionRequestSchema, GenerateRequestSchema } from "../routes/schemas";
import { TextCompletionRequestSchema } from "../routes/text-completions";

interface EndpointBody<S extends z.ZodType> {
  schema: S;
  toRequest: (body: z.infer<S>, fallbackHeader?: string) => CompletionRequest;
}
const entry = <S extends z.ZodType>(e: EndpointBody<S>) => e as EndpointBody<z.ZodType>;

/** Each generating endpoint: the schema of its body, and how it becomes a CompletionRequest. */
export const ENDPOINT_BODIES: Partial<Record<Endpoint, EndpointBody<z.ZodType>>> = {
  "chat.completions": entry({ schema: ChatCompletionRequestSchema, toRequest: fromChat }),
  generate: entry({ schema: GenerateRequestSchema, toRequest: fromGenerate }),
  completions: entry({ schema: TextCompletionRequestSchema, toRequest: fromTextCompletion }),
  responses: entry({ schema: ResponsesRequestSchema, toRequest: fromResponses }),
};

/**
 * A body in the edge's own form, or null when it is not valid for the endpoint (validation
 * answers it later with a 400).
 *
 * @example readCompletionRequest("completions", await c.req.json(), c.req.header(FALLBACK_HEADER))
 */
export function readCompletionRequest(
  endpoint: Endpoint,
  body: unknown,
  fallbackHeader: string | undefined,
): CompletionRequest | null {
  const spec = ENDPOINT_BODIES[endpoint];
  if (!spec) return null;
  const parsed = spec.schema.safeParse(body);
  return parsed.success ? spec.toRequest(parsed.data, fallbackHeader) : null;
}
