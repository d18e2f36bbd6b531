import { describe, expect, it } from "vitest";
import { createTestEdge } from "../../../test/support/harness";

const SECRET = "dev-secret-at-least-32-bytes-long-0123456789";
const BACKENDS = JSON.stringify({ "codegemma-7b": "http://127.0.0.1:9" });

describe("POST /dev/token (development sign-in)", () => {
  it("is absent unless SWITCHYARD_DEV_TOKENS is set", async () => {
    const { app } = createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_JWT_SECRET: SECRET });
    const res = await app.request("/dev/token", { method: "POST", body: JSON.stringify({ sub: "alice" }) });
    expect(res.status).toBe(404);
  });

  it("mints a token the gateway accepts for that subject", async () => {
    const { app } = createTestEdge({
      SWITCHYARD_BACKENDS: BACKENDS,
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_DEV_TOKENS: "true",
    });
    const res = await app.request("/dev/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "alice" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; sub: string };
    expect(body.sub).toBe("alice");
    const payload = JSON.parse(Buffer.from(body.token.split(".")[1] ?? "", "base64url").toString());
    expect(payload).toMatchObject({ sub: "alice", iss: "switchyard-dev", aud: "switchyard", scope: "chat" });
    const models = await app.request("/v1/models", { headers: { authorization: `Bearer ${body.token}` } });
    expect(models.status).toBe(200);
  });

  it("answers bad input with a structured 400", async () => {
    const { app } = createTestEdge({
      SWITCHYARD_BACKENDS: BACKENDS,
      SWITCHYARD_JWT_SECRET: SECRET,
      SWITCHYARD_DEV_TOKENS: "true",
    });
    for (const body of ["not json", JSON.stringify({ sub: "" }), JSON.stringify({ sub: "a b" }), "{}"]) {
      const res = await app.request("/dev/token", { method: "POST", body });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { type: string; message: string } };
      expect(json.error.message.length).toBeGreaterThan(0);
    }
  });

  it("refuses to start with dev tokens but no JWT secret", () => {
    expect(() => createTestEdge({ SWITCHYARD_BACKENDS: BACKENDS, SWITCHYARD_DEV_TOKENS: "true" })).toThrow(
      /SWITCHYARD_JWT_SECRET/,
    );
  });
});
