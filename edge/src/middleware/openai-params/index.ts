import type { MiddlewareHandler } from "hono";
import { type EdgeHonoEnv, SWITCHYARD_HEADERS } from "../../http/context";
import { ApiError } from "../../http/errors";
import { type FieldRule, unsupportedParams } from "../../routes/fields";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the openai-params middleware when the operator lets it drop unsupported fields. */
    droppedParams: string[] | undefined;
  }
}

export interface OpenAIParamsOptions {
  /** Field table of the endpoint (see routes/fields.ts). */
  fields: Readonly<Record<string, FieldRule>>;
  /** Operator opt-in (SWITCHYARD_DROP_UNSUPPORTED_PARAMS): drop unsupported fields instead of a 400. */
  drop: boolean;
}

/**
 * No silent drops: a request field the gateway cannot honour is a 400 `unsupported_parameter`
 * naming it, before the cache or a backend sees the request. With `drop`, the request goes on
 * without those fields and the response says which were dropped in `x-switchyard-dropped-params`.
 * Bodies that are not JSON objects pass through (validation answers them).
 *
 * @example app.post("/v1/chat/completions", openaiParams({ fields: CHAT_FIELDS, drop: false }));
 */
export function openaiParams(opts: OpenAIParamsOptions): MiddlewareHandler<EdgeHonoEnv> {
  return async (c, next) => {
    const body: unknown = await c.req.json().catch(() => null);
    if (typeof body !== "object" || body === null || Array.isArray(body)) return next();
    const unsupported = unsupportedParams(body as Record<string, unknown>, opts.fields);
    if (unsupported.length === 0) return next();
    if (!opts.drop) {
      const [first] = unsupported as [(typeof unsupported)[number]];
      throw new ApiError(400, "unsupported_parameter", first.message, { param: first.param });
    }
    // Later steps re-read the body from Hono's body cache: replacing the cached text drops the
    // fields for the cache key, validation and the upstream body alike.
    for (const { param } of unsupported) delete (body as Record<string, unknown>)[param];
    // (Hono's type says string; at run time the cache holds the promise of the read.)
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(JSON.stringify(body));
    c.set(
      "droppedParams",
      unsupported.map((u) => u.param),
    );
    await next();
    c.res.headers.set(SWITCHYARD_HEADERS.droppedParams, unsupported.map((u) => u.param).join(", "));
  };
}
