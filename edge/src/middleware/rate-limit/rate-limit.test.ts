import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { EdgeHonoEnv } from "../../http/context";
import { renderError } from "../../http/errors";
import { createMemoryTokenBucketStore } from "../../state/memory-token-bucket-store";
import type { TokenBucketStore } from "../../state/token-bucket-store";
import { auth } from "../auth";
import { rateLimit } from "./index";

function appWith(store: TokenBucketStore, capacity: number, refillPerSecond = 0.001) {
  const app = new Hono<EdgeHonoEnv>();
  app.onError(renderError);
  app.use(auth({ apiKeys: [], allowAnonymous: true }));
  app.use(rateLimit({ store, bucket: { capacity, refillPerSecond } }));
  app.get("/", (c) => c.text("ok"));
  return app;
}
const fromIp = (app: Hono<EdgeHonoEnv>, ip: string) =>
  app.request("/", { headers: { "cf-connecting-ip": ip } });

describe("rateLimit", () => {
  it("N parallel requests against a bucket of B admit exactly B", async () => {
    const app = appWith(createMemoryTokenBucketStore(), 10);
    const results = await Promise.all(Array.from({ length: 60 }, () => fromIp(app, "198.51.100.1")));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(50);
    for (const r of limited) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get("ratelimit-limit")).toBe("10");
      expect(r.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(r.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    const body = (await limited[0]?.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    const remaining = ok.map((r) => Number(r.headers.get("ratelimit-remaining"))).sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("buckets are per identity: another client is not affected", async () => {
    const app = appWith(createMemoryTokenBucketStore(), 2);
    await Promise.all([fromIp(app, "192.0.2.1"), fromIp(app, "192.0.2.1"), fromIp(app, "192.0.2.1")]);
    expect((await fromIp(app, "192.0.2.1")).status).toBe(429);
    expect((await fromIp(app, "192.0.2.2")).status).toBe(200);
  });

  it("refills over time", async () => {
    const app = appWith(createMemoryTokenBucketStore(), 1, 20);
    expect((await fromIp(app, "192.0.2.9")).status).toBe(200);
    expect((await fromIp(app, "192.0.2.9")).status).toBe(429);
    await new Promise((r) => setTimeout(r, 80));
    expect((await fromIp(app, "192.0.2.9")).status).toBe(200);
  });

  it("a failing store lets requests through (fail open) and reports it", async () => {
    const errors: unknown[] = [];
    const app = new Hono<EdgeHonoEnv>();
    app.onError(renderError);
    app.use(auth({ apiKeys: [], allowAnonymous: true }));
    app.use(
      rateLimit({
        store: { take: () => Promise.reject(new Error("redis down")) },
        bucket: { capacity: 1, refillPerSecond: 1 },
        onStoreError: (e) => errors.push(e),
      }),
    );
    app.get("/", (c) => c.text("ok"));
    expect((await app.request("/")).status).toBe(200);
    expect(errors).toHaveLength(1);
  });
});
