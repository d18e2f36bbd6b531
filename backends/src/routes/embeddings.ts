import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../api/errors.js";
import { parseJsonBody } from "../api/parse-body.js";
import type { AppEnv } from "../app-env.js";
import type { Embedder } from "../engine/embedder.js";
import type { RouteDeps } from "./route-deps.js";
import { assertServedModel } from "./sampling.js";

const embeddingsSchema = z.strictObject({
  model: z.string().min(1).optional(),
  input: z.union(
    [
      z.string().min(1, "input must not be empty"),
      z.array(z.string().min(1, "inputs must not be empty")).min(1).max(256),
    ],
    "input must be a string or a list of strings (token arrays are not supported)",
  ),
  encoding_format: z.enum(["float", "base64"]).nullable().optional(),
  dimensions: z.null("dimensions is not supported (the model's own size is used)").optional(),
  user: z.string().optional(),
});

/** A vector as OpenAI's base64 encoding: little-endian float32 bytes. */
function base64Of(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  return Buffer.from(bytes).toString("base64");
}

/**
 * POST /v1/embeddings (OpenAI-compatible). Only on a server started with `--embeddings`;
 * otherwise a 404 that says so.
 *
 * @example app.route("/", embeddingsRoute({ ...deps, embedder }));
 */
export function embeddingsRoute(deps: RouteDeps & { embedder: Embedder | undefined }) {
  return new Hono<AppEnv>().post("/v1/embeddings", async (c) => {
    const embedder = deps.embedder;
    if (!embedder)
      throw new ApiError(
        "not_found",
        "embeddings are not enabled on this server (start it with --embeddings)",
      );
    const body = await parseJsonBody(c, embeddingsSchema);
    assertServedModel(deps.runtime, body.model);
    const inputs = typeof body.input === "string" ? [body.input] : body.input;
    const { vectors, promptTokens } = await embedder.embed(inputs, c.req.raw.signal);
    const base64 = body.encoding_format === "base64";
    return c.json({
      object: "list",
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? base64Of(v) : v })),
      model: deps.runtime.loaded?.id ?? body.model ?? "unknown",
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  });
}
