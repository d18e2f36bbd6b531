import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";

/** Algorithms accepted from a JWKS (asymmetric only: a JWKS never vouches for an HMAC token). */
export const ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"] as const;
export const SYMMETRIC_ALGORITHMS = ["HS256"] as const;

export interface JwtVerifierOptions {
  /** HS256 shared secret (development). */
  secret?: string | undefined;
  /** JWKS URL (production, RS256/ES256). */
  jwksUrl?: string | undefined;
  /** A key resolver instead of jwksUrl (tests, or a local JWKS). */
  jwks?: JWTVerifyGetKey | undefined;
  issuer: string;
  audience: string;
  clockToleranceSeconds?: number;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/**
 * Verifies a JWT by its header's algorithm, each family only against its own key kind:
 * HS256 only with the shared secret, RS256/ES256 only through the JWKS. That rules out
 * HS/RS confusion (an HMAC token "signed" with a public key) and `alg: none`. `exp` and `sub`
 * are required; `nbf`, `iss`, `aud` are checked.
 *
 * @example
 * const verify = createJwtVerifier({ secret: env.SWITCHYARD_JWT_SECRET, issuer: "switchyard-dev", audience: "switchyard" });
 * const claims = await verify(token);
 */
export function createJwtVerifier(opts: JwtVerifierOptions): JwtVerifier | undefined {
  const secret = opts.secret ? new TextEncoder().encode(opts.secret) : undefined;
  const jwks = opts.jwks ?? (opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined);
  if (!secret && !jwks) return undefined;
  const common = {
    issuer: opts.issuer,
    audience: opts.audience,
    clockTolerance: opts.clockToleranceSeconds ?? 5,
    requiredClaims: ["exp", "sub"],
  };
  return async (token) => {
    const { alg } = decodeProtectedHeader(token);
    if (secret && (SYMMETRIC_ALGORITHMS as readonly string[]).includes(alg ?? "")) {
      return (await jwtVerify(token, secret, { ...common, algorithms: [...SYMMETRIC_ALGORITHMS] })).payload;
    }
    if (jwks && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg ?? "")) {
      return (await jwtVerify(token, jwks, { ...common, algorithms: [...ASYMMETRIC_ALGORITHMS] })).payload;
    }
    throw new Error(`JWT algorithm ${JSON.stringify(alg)} is not accepted`);
  };
}

/** Scopes from `scope` (space-separated, RFC 8693), `scp` (string or array) and `roles`. */
export function scopesOf(payload: JWTPayload): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string") for (const s of v.split(/\s+/).filter(Boolean)) out.add(s);
    else if (Array.isArray(v)) for (const s of v) if (typeof s === "string") out.add(s);
  };
  add(payload.scope);
  add(payload.scp);
  add(payload.roles);
  return [...out];
}
