import { SignJWT } from "jose";

export interface MintOptions {
  sub: string;
  secret: string;
  scope?: string;
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}

/**
 * A signed HS256 development token with the claims the edge checks. Used by `npm run token` and
 * by the dev-only `POST /dev/token` route (off unless SWITCHYARD_DEV_TOKENS=true).
 *
 * @example const token = await mintDevToken({ sub: "alice", secret });
 */
export function mintDevToken(o: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: o.scope ?? "chat" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(o.sub)
    .setIssuer(o.issuer ?? "switchyard-dev")
    .setAudience(o.audience ?? "switchyard")
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (o.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(o.secret));
}
