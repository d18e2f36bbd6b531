import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";

const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;

describe("worker entry with a bad configuration", () => {
  it("answers every request (health included) with a JSON 503 naming the variable, logged once", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const env = { SWITCHYARD_BACKENDS: "{nope", SWITCHYARD_API_KEYS: "sk-x" };
    for (const path of ["/health", "/v1/models", "/v1/chat/completions"]) {
      const res = await worker.fetch(new Request(`https://edge.test${path}`), env, ctx);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: { code: string; param: string; message: string } };
      expect(body.error).toMatchObject({ code: "invalid_configuration", param: "SWITCHYARD_BACKENDS" });
      expect(body.error.message).toContain("SWITCHYARD_BACKENDS");
      expect(body.error.message).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it("serves normally with a good configuration", async () => {
    const env = { SWITCHYARD_BACKENDS: '{"stories260k":"http://127.0.0.1:9"}' };
    const res = await worker.fetch(new Request("https://edge.test/health"), env, ctx);
    expect(res.status).toBe(200);
  });
});
