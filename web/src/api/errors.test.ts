import { describe, expect, it } from "vitest";
import { errorFromResponse, parseRetryAfter } from "./errors";

describe("gateway errors", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("12")).toBe(12);
    expect(parseRetryAfter("0.2")).toBe(1);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("classifies OpenAI-style error responses", async () => {
    const limited = await errorFromResponse(
      new Response(
        JSON.stringify({ error: { message: "Slow down", type: "rate_limit", code: "rate_limited" } }),
        {
          status: 429,
          headers: { "retry-after": "7", "x-request-id": "r9" },
        },
      ),
    );
    expect(limited).toMatchObject({
      kind: "rate_limited",
      message: "Slow down",
      retryAfterSeconds: 7,
      requestId: "r9",
    });
    const down = await errorFromResponse(
      new Response("<html>bad gateway</html>", { status: 503, statusText: "Service Unavailable" }),
    );
    expect(down).toMatchObject({ kind: "unavailable", message: "503 Service Unavailable" });
    expect((await errorFromResponse(new Response("{}", { status: 401 }))).kind).toBe("unauthorized");
    expect((await errorFromResponse(new Response("{}", { status: 400 }))).kind).toBe("bad_request");
  });
});
