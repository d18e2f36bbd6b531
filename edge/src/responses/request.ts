import {
  type CompletionRequest,
  type ForwardedFields,
  fallbackChoice,
  type NormalisedMessage,
} from "../completion/request";
import { type ResponsesRequest, responseFormatOf } from "../routes/responses";

const textOf = (content: string | { text: string }[]): string =>
  typeof content === "string" ? content : content.map((p) => p.text).join("");

/**
 * A Responses API request in the edge's own form: `instructions` as the system message, `input`
 * (a string or text messages) as the conversation, `text.format` as response_format. Usage is
 * always requested: response.completed carries it.
 *
 * @example fromResponses({ model: "auto", input: "Hello" }) // messages [{ role: "user", content: "Hello" }]
 */
export function fromResponses(body: ResponsesRequest, fallbackHeader?: string): CompletionRequest {
  const messages: NormalisedMessage[] = [];
  if (body.instructions) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else
    for (const item of body.input)
      messages.push({
        role: item.role === "developer" ? "system" : item.role,
        content: textOf(item.content),
      });
  const format = responseFormatOf(body);
  const forwarded: ForwardedFields = format ? { response_format: format } : {};
  return {
    endpoint: "responses",
    model: body.model,
    messages,
    prompt: null,
    maxTokens: body.max_output_tokens ?? null,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    seed: null,
    stop: null,
    stream: body.stream ?? false,
    includeUsage: true,
    forwarded,
    fallbacks: fallbackChoice(body.models, fallbackHeader),
  };
}
