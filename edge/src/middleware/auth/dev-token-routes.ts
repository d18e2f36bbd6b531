import { Hono } from "hono";
import { z } from "zod";
import type { EdgeHonoEnv } from "../../http/context";
import { ApiError } from "../../http/errors";
import { mintDevToken } from "./dev-token";

const DevTokenRequest = z.strictObject({
  sub: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, "letters, digits and . _ @ - only"),
});

export interface DevTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds?: number;
}

/**
 * Development sign-in for the web app: `POST /dev/token {"sub": "alice"}` -> `{"token": "..."}`.
 * Anyone who can reach it can become anyone, so the app mounts it only when SWITCHYARD_DEV_TOKENS
 * is true, which `npm start` sets for the local stack and nothing else does.
 *
 * @example app.route("/dev", devTokenRoutes({ secret, issuer: "switchyard-dev", audience: "switchyard" }));
 */
export function devTokenRoutes(options: DevTokenOptions) {
  return new Hono<EdgeHonoEnv>().post("/token", async (c) => {
    const body = await c.req.json().catch(() => {
      throw new ApiError(400, "invalid_json", 'Body must be JSON: {"sub": "alice"}');
    });
    const parsed = DevTokenRequest.safeParse(body);
    if (!parsed.success) {
      throw new ApiError(400, "invalid_request", `sub: ${parsed.error.issues[0]?.message}`, { param: "sub" });
    }
    const ttlSeconds = options.ttlSeconds ?? 3600;
    const token = await mintDevToken({
      sub: parsed.data.sub,
      secret: options.secret,
      issuer: options.issuer,
      audience: options.audience,
      ttlSeconds,
    });
    return c.json({ token, token_type: "Bearer", expires_in: ttlSeconds, sub: parsed.data.sub });
  });
}
