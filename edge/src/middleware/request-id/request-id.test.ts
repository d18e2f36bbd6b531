import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { EdgeHonoEnv } from "../../http/context";
import { requestId } from "./index";

const app = new Hono<EdgeHonoEnv>();
app.use(requestId({ generate: () => "generated-id" }));
app.get("/", (c) => c.text(c.get("requestId")));

describe("requestId", () => {
  it("keeps a safe client id and echoes it", async () => {
    const res = await app.request("/", { headers: { "x-request-id": "trace-abc_123" } });
    expect(await res.text()).toBe("trace-abc_123");
    expect(res.headers.get("x-request-id")).toBe("trace-abc_123");
  });

  it("replaces a missing or unsafe id", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "x-request-id": "bad id <script>" },
      { "x-request-id": "x".repeat(200) },
    ];
    for (const headers of cases) {
      const res = await app.request("/", { headers });
      expect(res.headers.get("x-request-id")).toBe("generated-id");
    }
  });

  it("sets neutral x-switchyard-* headers where no model was involved", async () => {
    const res = await app.request("/");
    expect(res.headers.get("x-switchyard-model")).toBe("none");
    expect(res.headers.get("x-switchyard-route-reason")).toBe("none");
    expect(res.headers.get("x-switchyard-route-confidence")).toBe("none");
    expect(res.headers.get("x-switchyard-cache")).toBe("BYPASS");
  });
});
