import { describe, expect, it } from "vitest";
import { workerdServiceEnv } from "../../test/support/workerd-env";
import { createUpstashCacheStore } from "./upstash-cache-store";
import { createUpstashRedis } from "./upstash-redis";
import { createUpstashTokenBucketStore } from "./upstash-token-bucket-store";

const env = workerdServiceEnv(
  ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
  "Upstash stores in workerd",
);

describe.skipIf(!env)("Upstash stores inside workerd", () => {
  const redis = createUpstashRedis({
    url: env?.UPSTASH_REDIS_REST_URL ?? "",
    token: env?.UPSTASH_REDIS_REST_TOKEN ?? "",
  });
  const prefix = `test:workerd:${crypto.randomUUID()}:`;

  it("runs in workerd (not Node)", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("token bucket admits exactly B of N parallel takes", async () => {
    const store = createUpstashTokenBucketStore(redis, { prefix });
    const decisions = await Promise.all(
      Array.from({ length: 30 }, () => store.take("parallel", { capacity: 7, refillPerSecond: 0.001 })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    expect(decisions.find((d) => !d.allowed)).toMatchObject({ remaining: 0, limit: 7 });
  });

  it("cache stores and returns values", async () => {
    const cache = createUpstashCacheStore(redis, { prefix });
    await cache.set("k", '{"x":"ü"}', 30);
    expect(await cache.get("k")).toBe('{"x":"ü"}');
    expect(await cache.get("absent")).toBeNull();
  });
});
