import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { realServiceEnv } from "../../test/support/real-services";
import { createUpstashCacheStore } from "./upstash-cache-store";
import { createUpstashRedis } from "./upstash-redis";

const env = realServiceEnv(
  ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
  "Upstash cache tests (redis-server behind the Upstash REST bridge)",
);

describe.skipIf(!env)("createUpstashCacheStore against real Redis", () => {
  const config = { url: env?.UPSTASH_REDIS_REST_URL ?? "", token: env?.UPSTASH_REDIS_REST_TOKEN ?? "" };
  const redis = createUpstashRedis(config);
  const prefix = `test:${crypto.randomUUID()}:`;
  const cache = createUpstashCacheStore(redis, { prefix });

  it("returns stored values verbatim, JSON text and unicode included", async () => {
    const entry = '{"body":"héllo 🌍","n":1.0,"stream":[" a","b "]}';
    await cache.set("entry", entry, 60);
    expect(await cache.get("entry")).toBe(entry);
    expect(await cache.get("missing")).toBeNull();
    expect(await redis.ttl(`${prefix}entry`)).toBeGreaterThan(55);
  });

  it("expires entries after their TTL", async () => {
    await cache.set("short", "v", 1);
    expect(await cache.get("short")).toBe("v");
    await new Promise((r) => setTimeout(r, 1100));
    expect(await cache.get("short")).toBeNull();
  });

  it("stores nothing for a non-positive TTL", async () => {
    await cache.set("zero", "v", 0);
    expect(await cache.get("zero")).toBeNull();
  });

  it("still returns JSON text through a default (auto-parsing) client", async () => {
    const plain = createUpstashCacheStore(new Redis({ ...config, enableTelemetry: false }), { prefix });
    await plain.set("obj", '{"a":[1,"x"]}', 60);
    expect(await plain.get("obj")).toBe('{"a":[1,"x"]}');
  });
});
