import { SWITCHYARD_HEADERS } from "../http/context";
import { ErrorSchema } from "./schemas";

const jsonError = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/**
 * Error responses of the authenticated API, as the edge (and the HTTP front end before it) sends
 * them. Spread into a route's `responses`; `withBody` adds the ones only a request body can cause.
 *
 * @example responses: { 200: ok, ...apiErrors, ...bodyErrors }
 */
export const apiErrors = {
  401: jsonError("Missing or invalid credentials (see WWW-Authenticate)"),
  403: jsonError("Credentials lack the required scope"),
  429: jsonError("Rate limited (see Retry-After and RateLimit-* headers)"),
  431: {
    description: "Request headers too large; sent by the HTTP front end before the worker runs",
    content: { "text/plain": { schema: { type: "string" as const } } },
  },
} as const;

export const bodyErrors = {
  400: jsonError(
    "Invalid request: malformed JSON, a field out of range, a prompt longer than the model's context",
  ),
  404: jsonError("Unknown model"),
  413: jsonError("Request body too large (SWITCHYARD_MAX_BODY_BYTES)"),
  415: jsonError("Body is not application/json"),
  502: jsonError("The backend failed after all retries and fallbacks (non-streaming request)"),
  503: jsonError("No backend available: every candidate down or its circuit open (see Retry-After)"),
} as const;

const header = (description: string, schema: Record<string, unknown> = { type: "string" }) => ({
  description,
  schema,
});

/** Headers on every answered completion (the same facts as the body's `switchyard` object). */
export const switchyardHeaders = {
  [SWITCHYARD_HEADERS.requestId]: { ...header("Request id (also in logs and traces)"), required: true },
  [SWITCHYARD_HEADERS.model]: header("The model that answered"),
  [SWITCHYARD_HEADERS.routeReason]: header(
    'Why: "explicit", "classifier:p=0.83", "round-robin", "default:..."',
  ),
  [SWITCHYARD_HEADERS.routeConfidence]: header('The router\'s confidence, 0 to 1, or "none"', {
    type: "string",
    pattern: "^([0-9.]+|none)$",
  }),
  [SWITCHYARD_HEADERS.cache]: header("Response cache outcome", {
    type: "string",
    enum: ["HIT", "MISS", "BYPASS"],
  }),
};
