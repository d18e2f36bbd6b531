import type { Context } from "hono";
import { errorKindOr } from "../../../vocabulary/errors";
import type { CompletionDeps } from "../completion/pipeline";
import { replyMeta, switchyardHeaders } from "../completion/reply-meta";
import type { EdgeHonoEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { spanOf } from "../http/span";
import { type RequestFacts, unanswered } from "../log/request-log";
import type { EmbeddingsRequest } from "../routes/embeddings";
import { AUTO_MODEL } from "../routing";

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

type Attempt =
  | { kind: "ok"; body: { data: unknown[]; usage?: { prompt_tokens?: number } } }
  | { kind: "refused"; status: 400 | 404 | 413 | 422; code: string; message: string; param: string | null }
  | { kind: "failed"; breaker: boolean; retryAfterMs: number | null };

async function attempt(
  url: string,
  body: unknown,
  c: Context<EdgeHonoEnv>,
  deps: CompletionDeps,
): Promise<Attempt> {
  const { proxy } = deps.config;
  const span = spanOf(c);
  let res: Response;
  try {
    res = await (deps.fetch ?? fetch)(`${url}/v1/embeddings`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-request-id": c.get("requestId"),
        ...(span ? { traceparent: span.traceparent } : {}),
        ...(proxy.backendApiKey ? { authorization: `Bearer ${proxy.backendApiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(proxy.ttftBudgetMs)]),
    });
  } catch {
    if (c.req.raw.signal.aborted) throw new ApiError(499, "client_closed_request", "client went away");
    return { kind: "failed", breaker: true, retryAfterMs: null };
  }
  if (res.ok) return { kind: "ok", body: (await res.json()) as Extract<Attempt, { kind: "ok" }>["body"] };
  const error = (
    (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; param?: string } }
  ).error;
  if (res.status === 400 || res.status === 404 || res.status === 413 || res.status === 422) {
    return {
      kind: "refused",
      status: res.status,
      code: error?.code ?? "invalid_request",
      message: error?.message ?? `The model backend refused the request (${res.status})`,
      param: error?.param ?? null,
    };
  }
  const retryAfter = Number(res.headers.get("retry-after"));
  return {
    kind: "failed",
    breaker: RETRYABLE.has(res.status) ? res.status !== 429 : true,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
  };
}

/**
 * POST /v1/embeddings: the named model (never `auto`: vectors of different models do not
 * compare), which must declare the `embeddings` capability, on its least busy healthy replica;
 * a failed replica is retried on another. No stand-in model: vectors from another model would
 * silently not match the caller's index, so an unavailable model is a 503 naming it.
 *
 * @example app.openapi(embeddingsRoute, (c) => forwardEmbeddings(c, c.req.valid("json"), deps));
 */
export async function forwardEmbeddings(
  c: Context<EdgeHonoEnv>,
  req: EmbeddingsRequest,
  deps: CompletionDeps,
): Promise<Response> {
  const started = Date.now();
  const inputs = typeof req.input === "string" ? [req.input] : req.input;
  const logged = {
    endpoint: "embeddings" as const,
    requestedModel: req.model,
    stream: false,
    promptText: inputs.join("\n"),
  };
  const route = { reason: "explicit", confidence: null };
  const refuse = (error: ApiError, facts: Partial<RequestFacts> = {}) => {
    deps.requestLog.record(c, logged, started, {
      ...unanswered(error.status, "rejected", error.code, route),
      ...facts,
    });
    return error;
  };
  if (req.model === AUTO_MODEL)
    throw refuse(
      new ApiError(400, "invalid_request", 'model: embeddings need an explicit model, not "auto"', {
        param: "model",
      }),
    );
  const model = deps.config.roster.find((m) => m.id === req.model);
  if (!model)
    throw refuse(
      new ApiError(404, "model_not_found", `The model "${req.model}" does not exist; see GET /v1/models`, {
        param: "model",
      }),
    );
  if (!model.capabilities.includes("embeddings"))
    throw refuse(
      new ApiError(400, "unsupported_parameter", `The model "${req.model}" does not serve embeddings`, {
        param: "model",
      }),
    );

  const pool = deps.replicasFor(req.model);
  const body = { model: req.model, input: req.input, encoding_format: req.encoding_format ?? "float" };
  let attempts = 0;
  let retryAfterMs: number | null = null;
  for (let i = 0; i <= deps.config.proxy.retries + model.backends.length - 1; i++) {
    const lease = pool?.acquire();
    if (!lease) break;
    attempts += 1;
    const outcome = await attempt(lease.url, body, c, deps).catch((error: unknown) => {
      lease.release();
      throw error;
    });
    if (outcome.kind === "failed") {
      if (outcome.breaker) lease.onFailure();
      else lease.release();
      retryAfterMs = outcome.retryAfterMs ?? retryAfterMs;
      continue;
    }
    lease.onSuccess();
    const meta = replyMeta(c, { modelId: req.model, route, attempts, fallbackFrom: [] });
    const headers = switchyardHeaders(meta.switchyard);
    if (outcome.kind === "refused") {
      throw refuse(
        ApiError.of(
          errorKindOr(outcome.code, outcome.status === 413 ? "request_too_large" : "invalid_request"),
          outcome.message,
          {
            param: outcome.param,
            headers,
          },
        ),
        { modelId: req.model, attempts },
      );
    }
    const promptTokens = outcome.body.usage?.prompt_tokens ?? null;
    deps.requestLog.record(c, logged, started, {
      ...unanswered(200, "ok", "", route),
      errorCode: null,
      modelId: req.model,
      ttftMs: Date.now() - started,
      promptTokens,
      completionTokens: 0,
      attempts,
    });
    return c.json({ ...outcome.body, model: req.model, switchyard: meta.switchyard }, 200, headers);
  }
  const retryAfter = Math.max(1, Math.ceil((retryAfterMs ?? pool?.retryInMs ?? 1000) / 1000));
  const error = new ApiError(
    503,
    "model_unavailable",
    `The model "${req.model}" is unavailable right now (its backends are down or busy); retry later`,
    { param: "model", headers: { "retry-after": String(retryAfter) } },
  );
  deps.requestLog.record(c, logged, started, { ...unanswered(503, "error", error.code, route), attempts });
  throw error;
}
