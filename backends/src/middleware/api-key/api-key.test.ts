import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { onApiError } from "../../api/errors.js";
import type { AppEnv } from "../../app-env.js";
import { apiKeyAuth } from "./index.js";

function app(apiKey: string | undefined) {
  const hono = new Hono<AppEnv>();
  hono.use(apiKeyAuth({ apiKey, publicPaths: ["/health"] }));
  hono.get("/health", (c) => c.text("ok"));
  hono.get("/secret", (c) => c.text("secret"));
  hono.onError(onApiError);
  return hono;
}

describe("apiKeyAuth", () => {
  it("lets everything through when no key is configured", async () => {
    expect((await app(undefined).request("/secret")).status).toBe(200);
  });

  it("keeps public paths open and guards the rest with OpenAI-style 401s", async () => {
    const guarded = app("k-123");
    expect((await guarded.request("/health")).status).toBe(200);
    for (const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer wrong" },
      { authorization: "k-123" },
      { authorization: "Basic k-123" },
      { authorization: "Bearer k-1234" },
    ]) {
      const response = await guarded.request("/secret", { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect(await response.json()).toMatchObject({
        error: { type: "authentication_error", code: "unauthorized" },
      });
    }
    expect(
      await (await guarded.request("/secret", { headers: { authorization: "Bearer k-123" } })).text(),
    ).toBe("secret");
  });
});
