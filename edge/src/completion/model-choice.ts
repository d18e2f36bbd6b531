import type { RosterModel } from "../config";
import { ApiError } from "../http/errors";
import { AUTO_MODEL } from "../routing";
import { type CompletionRequest, FALLBACK_HEADER, requiredCapabilities } from "./request";

/** The request field that needs a capability, for the 400 that names it. */
const PARAM_OF = { tools: "tools", json_schema: "response_format" } as const;

/**
 * Why this request cannot be routed at all, or null: an unknown model (404), a fallback list
 * naming unknown models or given with `auto` (400/404), a model that cannot do what the request
 * needs (400 naming the field). Checked before routing so nothing is sent upstream.
 */
export function modelChoiceRefusal(req: CompletionRequest, roster: RosterModel[]): ApiError | null {
  const byId = new Map(roster.map((m) => [m.id, m]));
  if (req.model !== AUTO_MODEL && !byId.has(req.model)) {
    return new ApiError(
      404,
      "model_not_found",
      `The model "${req.model}" does not exist; see GET /v1/models`,
      {
        param: "model",
      },
    );
  }
  if (req.fallbacks.kind === "list") {
    if (req.model === AUTO_MODEL) {
      return new ApiError(
        400,
        "invalid_request",
        'models: a fallback list needs an explicit model, not "auto"',
        {
          param: "models",
        },
      );
    }
    const unknown = req.fallbacks.models.find((id) => !byId.has(id));
    if (unknown !== undefined) {
      return new ApiError(
        404,
        "model_not_found",
        `The model "${unknown}" does not exist; see GET /v1/models`,
        {
          param: "models",
        },
      );
    }
  }
  const named = byId.get(req.model);
  if (named && !named.capabilities.includes("chat")) {
    return new ApiError(
      400,
      "unsupported_parameter",
      `The model "${req.model}" does not generate text (capabilities: ${named.capabilities.join(", ")})`,
      {
        param: "model",
      },
    );
  }
  for (const need of requiredCapabilities(req)) {
    const served = req.model === AUTO_MODEL ? roster : [byId.get(req.model) as RosterModel];
    if (!served.some((m) => m.capabilities.includes(need))) {
      const who = req.model === AUTO_MODEL ? "No model served here" : `The model "${req.model}"`;
      return new ApiError(
        400,
        "unsupported_parameter",
        `${who} supports ${PARAM_OF[need]} (capability ${need})`,
        {
          param: PARAM_OF[need],
        },
      );
    }
  }
  return null;
}

/**
 * The 503 when no backend could answer: for a model the client named without opting into
 * fallbacks, it names that model and says how to opt in.
 */
export function unavailableError(
  req: CompletionRequest,
  retryAfterSeconds: number,
  headers: Record<string, string>,
) {
  const all = { ...headers, "retry-after": String(retryAfterSeconds) };
  if (req.model !== AUTO_MODEL && req.fallbacks.kind === "none") {
    return new ApiError(
      503,
      "model_unavailable",
      `The model "${req.model}" is unavailable right now (its backends are down or busy); retry later, or let other models answer with "models": [...] or ${FALLBACK_HEADER}: true`,
      { param: "model", headers: all },
    );
  }
  return new ApiError(503, "no_backend_available", "No model backend is available right now; retry later", {
    headers: all,
  });
}
