/**
 * What the edge does with every top-level field of an OpenAI chat-completions request. This table
 * is the one source for the screening middleware (middleware/openai-params) and for the field table
 * in docs/api.md (a test keeps the two in step). A field that is not listed is refused.
 *
 * - `honoured`: forwarded to the backend and applied to the generation.
 * - `ignored`: accepted and not forwarded; it cannot change the output (bookkeeping fields).
 * - `refused`: a 400 `unsupported_parameter` naming it (or dropped with
 *   SWITCHYARD_DROP_UNSUPPORTED_PARAMS=true, reported in `x-switchyard-dropped-params`).
 *
 * `refuse(value)` names a value of an otherwise honoured field that cannot be honoured (`n: 2`).
 */
export type FieldTreatment = "honoured" | "ignored" | "refused";

export interface FieldRule {
  treatment: FieldTreatment;
  /** Why a value of this field cannot be honoured, or null when it can. */
  refuse?: (value: unknown) => string | null;
}

const absent = (v: unknown) => v === undefined || v === null;

export const CHAT_FIELDS: Readonly<Record<string, FieldRule>> = {
  model: { treatment: "honoured" },
  models: { treatment: "honoured" },
  messages: { treatment: "honoured" },
  max_tokens: { treatment: "honoured" },
  max_completion_tokens: { treatment: "honoured" },
  temperature: { treatment: "honoured" },
  top_p: { treatment: "honoured" },
  top_k: { treatment: "honoured" },
  min_p: { treatment: "honoured" },
  seed: { treatment: "honoured" },
  stop: { treatment: "honoured" },
  presence_penalty: { treatment: "honoured" },
  frequency_penalty: { treatment: "honoured" },
  logit_bias: { treatment: "honoured" },
  stream: { treatment: "honoured" },
  stream_options: {
    treatment: "honoured",
    refuse: (v) => {
      if (absent(v) || typeof v !== "object") return null;
      const extra = Object.keys(v as object).filter(
        (k) => k !== "include_usage" && k !== "include_obfuscation",
      );
      return extra.length ? `stream_options.${extra[0]} is not supported` : null;
    },
  },
  n: {
    treatment: "honoured",
    refuse: (v) => (absent(v) || v === 1 ? null : "only n=1 is supported (one choice per request)"),
  },
  tools: { treatment: "honoured" },
  tool_choice: { treatment: "honoured" },
  parallel_tool_calls: { treatment: "honoured" },
  response_format: { treatment: "honoured" },
  logprobs: {
    treatment: "refused",
    refuse: (v) => (absent(v) || v === false ? null : "logprobs are not supported by the model servers"),
  },
  top_logprobs: {
    treatment: "refused",
    refuse: (v) => (absent(v) || v === 0 ? null : "top_logprobs are not supported by the model servers"),
  },
  modalities: {
    treatment: "refused",
    refuse: (v) =>
      absent(v) || (Array.isArray(v) && v.every((m) => m === "text"))
        ? null
        : "only text output is supported",
  },
  user: { treatment: "ignored" },
  metadata: { treatment: "ignored" },
  store: { treatment: "ignored" },
  service_tier: { treatment: "ignored" },
  safety_identifier: { treatment: "ignored" },
  prompt_cache_key: { treatment: "ignored" },
  audio: { treatment: "refused" },
  prediction: { treatment: "refused" },
  reasoning_effort: { treatment: "refused" },
  verbosity: { treatment: "refused" },
  web_search_options: { treatment: "refused" },
  functions: { treatment: "refused" },
  function_call: { treatment: "refused" },
};

export interface UnsupportedParam {
  param: string;
  message: string;
}

/**
 * The fields of a request body that cannot be honoured, in body order.
 *
 * @example unsupportedParams({ model: "auto", messages: [], n: 2 }) // [{ param: "n", message: "only n=1 ..." }]
 */
export function unsupportedParams(
  body: Record<string, unknown>,
  fields: Readonly<Record<string, FieldRule>> = CHAT_FIELDS,
): UnsupportedParam[] {
  const found: UnsupportedParam[] = [];
  for (const [param, value] of Object.entries(body)) {
    const rule = fields[param];
    if (!rule) {
      found.push({ param, message: `Unrecognized request argument supplied: ${param}` });
      continue;
    }
    const reason = rule.refuse
      ? rule.refuse(value)
      : rule.treatment === "refused" && !absent(value)
        ? `${param} is not supported`
        : null;
    if (reason) found.push({ param, message: reason });
  }
  return found;
}
