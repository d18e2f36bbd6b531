import type { Context, MiddlewareHandler } from "hono";
import type { EdgeHonoEnv, Principal } from "../../http/context";
import { ApiError } from "../../http/errors";
import { type ApiKeyEntry, apiKeyMatcher } from "./api-keys";
import { type JwtVerifier, scopesOf } from "./jwt";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the auth middleware: who is calling. */
    principal: Principal;
  }
}

export { type ApiKeyEntry, parseApiKeys, sha256, toHex } from "./api-keys";
export { createJwtVerifier, type JwtVerifier } from "./jwt";

export interface AuthOptions {
  /** Accepted API keys (hashes only); a promise is awaited once (keys hashed at startup). */
  apiKeys: ApiKeyEntry[] | Promise<ApiKeyEntry[]>;
  /** JWT verifier; undefined when no JWT is accepted. */
  verifyJwt?: JwtVerifier | undefined;
  /** Let requests without an Authorization header through as "anonymous". */
  allowAnonymous?: boolean;
  /** Scope a JWT must carry; API keys are operator-issued and carry every scope. */
  requiredScope?: string | null;
  realm?: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The client address Cloudflare reports (the header is set by Cloudflare, not the client). */
export const clientIp = (c: Context): string => c.req.header("cf-connecting-ip") ?? "unknown";

/**
 * Authenticates `Authorization: Bearer <API key | JWT>` and sets `principal`.
 * 401 (with WWW-Authenticate) for missing or bad credentials, 403 for a valid identity
 * without the required scope.
 *
 * @example
 * app.use("/v1/*", auth({ apiKeys: parseApiKeys(env.SWITCHYARD_API_KEYS), verifyJwt, requiredScope: "chat" }));
 */
export function auth(opts: AuthOptions): MiddlewareHandler<EdgeHonoEnv> {
  const realm = opts.realm ?? "switchyard";
  const matchKey = apiKeyMatcher(opts.apiKeys);
  const unauthorized = (error: "invalid_request" | "invalid_token" | null, message: string) =>
    new ApiError(401, error === null ? "missing_credentials" : "invalid_token", message, {
      headers: {
        "www-authenticate":
          error === null ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="${error}"`,
      },
    });

  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined) {
      if (!opts.allowAnonymous)
        throw unauthorized(null, "Missing credentials: send Authorization: Bearer <key or JWT>");
      const ip = clientIp(c);
      c.set("principal", { kind: "anonymous", id: "anonymous", scopes: [], rateLimitKey: `ip:${ip}` });
      return next();
    }
    const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
    const token = match?.[1];
    if (!token)
      throw unauthorized("invalid_request", "Malformed Authorization header: expected Bearer <token>");

    let principal: Principal;
    if (JWT_SHAPE.test(token) && opts.verifyJwt) {
      let claims: Awaited<ReturnType<JwtVerifier>>;
      try {
        claims = await opts.verifyJwt(token);
      } catch {
        // No details: the reason (expired, bad signature, ...) helps attackers more than users.
        throw unauthorized("invalid_token", "Invalid or expired token");
      }
      const sub = String(claims.sub);
      principal = { kind: "jwt", id: sub, scopes: scopesOf(claims), rateLimitKey: `sub:${sub}` };
      if (opts.requiredScope && !principal.scopes.includes(opts.requiredScope)) {
        throw new ApiError(403, "insufficient_scope", `Token lacks the "${opts.requiredScope}" scope`, {
          headers: {
            "www-authenticate": `Bearer realm="${realm}", error="insufficient_scope", scope="${opts.requiredScope}"`,
          },
        });
      }
    } else {
      const entry = await matchKey(token);
      if (!entry) throw unauthorized("invalid_token", "Invalid API key");
      principal = { kind: "api_key", id: entry.name, scopes: ["*"], rateLimitKey: `key:${entry.name}` };
    }
    c.set("principal", principal);
    return next();
  };
}
