import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeHonoEnv } from "../../http/context";
import { renderError } from "../../http/errors";
import { apiKeyMatcher } from "./api-keys";
import { auth, createJwtVerifier, parseApiKeys, sha256, toHex } from "./index";

const SECRET = "dev-secret-at-least-32-bytes-long-0123456789";
const ISS = "switchyard-dev";
const AUD = "switchyard";
const now = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function appWith(opts: Parameters<typeof auth>[0]) {
  const app = new Hono<EdgeHonoEnv>();
  app.onError(renderError);
  app.use(auth(opts));
  app.get("/", (c) => c.json(c.get("principal")));
  return app;
}
const call = (app: Hono<EdgeHonoEnv>, authorization?: string) =>
  app.request("/", authorization === undefined ? {} : { headers: { authorization } });

const hs256 = (claims: Record<string, unknown> = {}, secret = SECRET) =>
  new SignJWT({ scope: "chat", sub: "alice", iss: ISS, aud: AUD, iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));

let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;
let rsaJwk: JWK;
let jwksServer: ReturnType<typeof createServer>;
let jwksUrl: string;

beforeAll(async () => {
  rsa = await generateKeyPair("RS256", { extractable: true });
  ec = await generateKeyPair("ES256", { extractable: true });
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "rsa1", alg: "RS256", use: "sig" };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "ec1", alg: "ES256", use: "sig" };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [rsaJwk, ecJwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => jwksServer.close(() => r())));

describe("API keys", () => {
  it("accepts raw keys (hashed at startup) and name:sha256 entries; rejects unknown keys with 401", async () => {
    const aliceHash = toHex(await sha256("sk-alice"));
    const app = appWith({ apiKeys: parseApiKeys(`alice:${aliceHash}, sk-raw-key`) });
    const alice = await call(app, "Bearer sk-alice");
    expect(alice.status).toBe(200);
    expect(await alice.json()).toMatchObject({ kind: "api_key", id: "alice", rateLimitKey: "key:alice" });
    const raw = await call(app, "Bearer sk-raw-key");
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { id: string }).id).toBe(
      `key-${toHex(await sha256("sk-raw-key")).slice(0, 8)}`,
    );
    const unknown = await call(app, "Bearer sk-unknown");
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(((await unknown.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    // The stored hash itself is not a key.
    expect((await call(app, `Bearer ${aliceHash}`)).status).toBe(401);
  });

  it("remembers verified keys per matcher (same answer on repeat), never unknown ones", async () => {
    const match = apiKeyMatcher(parseApiKeys(`alice:${toHex(await sha256("sk-alice"))}`));
    const first = await match("sk-alice");
    expect(first?.name).toBe("alice");
    expect(await match("sk-alice")).toBe(first);
    expect(await match("sk-unknown")).toBeUndefined();
    expect(await match("sk-unknown")).toBeUndefined();
    // A prefix or extension of a verified key is a different key.
    expect(await match("sk-alic")).toBeUndefined();
    expect(await match("sk-alice ")).toBeUndefined();
    // Another matcher (new key list) knows nothing of the first one's memory.
    expect(await apiKeyMatcher(parseApiKeys(`bob:${"0".repeat(64)}`))("sk-alice")).toBeUndefined();
  });

  it("401 with WWW-Authenticate for missing or malformed Authorization headers", async () => {
    const app = appWith({ apiKeys: parseApiKeys("sk-raw-key") });
    const missing = await call(app);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="switchyard"');
    for (const header of [
      "Basic c2stcmF3LWtleQ==",
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "sk-raw-key",
      "Token sk-raw-key",
    ]) {
      const res = await call(app, header);
      expect(res.status, header).toBe(401);
      expect(res.headers.get("www-authenticate"), header).toContain("Bearer");
    }
  });

  it("anonymous requests pass only when allowed, keyed by CF-Connecting-IP", async () => {
    const app = appWith({ apiKeys: [], allowAnonymous: true });
    const res = await app.request("/", { headers: { "cf-connecting-ip": "203.0.113.7" } });
    expect(await res.json()).toMatchObject({ kind: "anonymous", rateLimitKey: "ip:203.0.113.7" });
    // Bad credentials are still rejected, not downgraded to anonymous.
    expect((await call(app, "Bearer nope")).status).toBe(401);
  });
});

describe("JWT (HS256 dev secret)", () => {
  const verifyJwt = createJwtVerifier({ secret: SECRET, issuer: ISS, audience: AUD });
  const app = appWith({ apiKeys: [], verifyJwt, requiredScope: "chat" });

  it("accepts a valid token and uses sub as identity", async () => {
    const res = await call(app, `Bearer ${await hs256()}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      kind: "jwt",
      id: "alice",
      rateLimitKey: "sub:alice",
      scopes: ["chat"],
    });
  });

  const attacks: [string, () => Promise<string>][] = [
    ["expired", () => hs256({ exp: now() - 60 })],
    ["not yet valid (nbf in the future)", () => hs256({ nbf: now() + 600 })],
    ["wrong issuer", () => hs256({ iss: "evil" })],
    ["wrong audience", () => hs256({ aud: "other-service" })],
    ["signed with another secret", () => hs256({}, "another-secret-another-secret-another")],
    [
      "tampered payload (signature no longer matches)",
      async () => {
        const [h, , s] = (await hs256()).split(".");
        return `${h}.${b64url({ sub: "admin", scope: "chat", iss: ISS, aud: AUD, exp: now() + 600 })}.${s}`;
      },
    ],
    [
      "tampered signature",
      async () => {
        const t = await hs256();
        return `${t.slice(0, -4)}${t.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
      },
    ],
    [
      "alg none",
      async () =>
        `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "alice", scope: "chat", iss: ISS, aud: AUD, exp: now() + 600 })}.`,
    ],
    [
      "missing exp",
      async () =>
        new SignJWT({ scope: "chat" })
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("alice")
          .setIssuer(ISS)
          .setAudience(AUD)
          .sign(new TextEncoder().encode(SECRET)),
    ],
    ["malformed token", async () => "abc.def.ghi"],
    [
      "RS256 token when only the dev secret is configured",
      () =>
        new SignJWT({ scope: "chat" })
          .setProtectedHeader({ alg: "RS256" })
          .setSubject("alice")
          .setIssuer(ISS)
          .setAudience(AUD)
          .setExpirationTime("10m")
          .sign(rsa.privateKey),
    ],
  ];
  for (const [name, make] of attacks) {
    it(`rejects ${name} with 401`, async () => {
      const res = await call(app, `Bearer ${await make()}`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_token");
    });
  }

  it("403 for a valid identity without the required scope", async () => {
    const res = await call(app, `Bearer ${await hs256({ scope: "read" })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(((await res.json()) as { error: { type: string; code: string } }).error).toMatchObject({
      type: "permission_error",
      code: "insufficient_scope",
    });
  });
});

describe("JWT (RS256/ES256 through a JWKS URL)", () => {
  const rs = (alg: "RS256" | "ES256", key: CryptoKey, claims: Record<string, unknown> = {}) =>
    new SignJWT({ scp: ["chat"], ...claims })
      .setProtectedHeader({ alg, kid: alg === "RS256" ? "rsa1" : "ec1" })
      .setSubject("bob")
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime("10m")
      .sign(key);

  it("accepts RS256 and ES256 tokens verified against the remote JWKS", async () => {
    const app = appWith({
      apiKeys: [],
      verifyJwt: createJwtVerifier({ jwksUrl, issuer: ISS, audience: AUD }),
      requiredScope: "chat",
    });
    for (const token of [await rs("RS256", rsa.privateKey), await rs("ES256", ec.privateKey)]) {
      const res = await call(app, `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe("bob");
    }
  });

  it("rejects HS/RS confusion: an HS256 token signed with the RSA public key", async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const forged = (secret: string) =>
      new SignJWT({ scope: "chat" })
        .setProtectedHeader({ alg: "HS256", kid: "rsa1" })
        .setSubject("mallory")
        .setIssuer(ISS)
        .setAudience(AUD)
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(secret));
    // JWKS only: HS256 is never accepted from a key set.
    const jwksOnly = appWith({
      apiKeys: [],
      verifyJwt: createJwtVerifier({
        jwks: createLocalJWKSet({ keys: [rsaJwk] }),
        issuer: ISS,
        audience: AUD,
      }),
    });
    expect((await call(jwksOnly, `Bearer ${await forged(pem)}`)).status).toBe(401);
    expect((await call(jwksOnly, `Bearer ${await forged(JSON.stringify(rsaJwk))}`)).status).toBe(401);
    // JWKS and a dev secret: HS256 is checked against the secret only, never the public key.
    const both = appWith({
      apiKeys: [],
      verifyJwt: createJwtVerifier({
        secret: SECRET,
        jwks: createLocalJWKSet({ keys: [rsaJwk] }),
        issuer: ISS,
        audience: AUD,
      }),
    });
    expect((await call(both, `Bearer ${await forged(pem)}`)).status).toBe(401);
  });

  it("rejects an RS256 token signed by a key outside the JWKS", async () => {
    const stranger = await generateKeyPair("RS256");
    const app = appWith({
      apiKeys: [],
      verifyJwt: createJwtVerifier({ jwksUrl, issuer: ISS, audience: AUD }),
    });
    expect((await call(app, `Bearer ${await rs("RS256", stranger.privateKey)}`)).status).toBe(401);
  });
});
