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
    for (const item of body.input) {
      if (item.type === "function_call") {
        const call = {
          id: item.call_id,
          type: "function" as const,
          function: { name: item.name, arguments: item.arguments },
        };
        // Consecutive calls are one assistant turn with several tool_calls, as in chat.
        const last = messages.at(-1);
        if (last?.role === "assistant" && last.tool_calls) last.tool_calls.push(call);
        else messages.push({ role: "assistant", content: "", tool_calls: [call] });
      } else if (item.type === "function_call_output") {
        messages.push({ role: "tool", content: item.output, tool_call_id: item.call_id });
      } else {
        messages.push({
          role: item.role === "developer" ? "system" : item.role,
          content: textOf(item.content),
        });
      }
    }
  const format = responseFormatOf(body);
  const forwarded: ForwardedFields = format ? { response_format: format } : {};
  if (body.tools?.length) {
    forwarded.tools = body.tools.map((t) => ({
      type: "function",
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.parameters ? { parameters: t.parameters } : {}),
        ...(t.strict != null ? { strict: t.strict } : {}),
      },
    }));
  }
  if (body.tool_choice != null) {
    forwarded.tool_choice =
      typeof body.tool_choice === "string"
        ? body.tool_choice
        : { type: "function", function: { name: body.tool_choice.name } };
  }
  if (body.parallel_tool_calls != null) forwarded.parallel_tool_calls = body.parallel_tool_calls;
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
