import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realServiceEnv } from "../../../edge/test/support/real-services";
import { createUpstashBridge } from "./server";

const env = realServiceEnv(["REDIS_URL"], "Upstash bridge tests (real redis-server)");
const token = `test-${crypto.randomUUID()}`;
const prefix = `bridge-test:${crypto.randomUUID()}:`;

describe.skipIf(!env)("Upstash REST bridge with the real @upstash/redis client", () => {
  let server: Server;
  let url: string;
  let redis: Redis;

  beforeAll(async () => {
    server = await createUpstashBridge({ redisUrl: env?.REDIS_URL ?? "", token });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    redis = new Redis({ url, token, retry: false });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("requires the bearer token on every path", async () => {
    for (const path of ["/", "/pipeline", "/multi-exec"]) {
      const body = path === "/" ? ["PING"] : [["PING"]];
      const none = await fetch(url + path, { method: "POST", body: JSON.stringify(body) });
      const wrong = await fetch(url + path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { authorization: "Bearer nope" },
      });
      expect([none.status, wrong.status]).toEqual([401, 401]);
    }
    await expect(new Redis({ url, token: "nope", retry: false }).ping()).rejects.toThrow(/Unauthorized/);
  });

  it("speaks base64 encoding except for OK", async () => {
    const raw = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "upstash-encoding": "base64" },
      body: JSON.stringify(["SET", `${prefix}raw`, "héllo"]),
    });
    expect(await raw.json()).toEqual({ result: "OK" });
    const got = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "upstash-encoding": "base64" },
      body: JSON.stringify(["GET", `${prefix}raw`]),
    });
    expect(await got.json()).toEqual({ result: Buffer.from("héllo").toString("base64") });
    expect(await redis.ping()).toBe("PONG");
  });

  it("does strings with EX/NX, INCR, hashes and lists", async () => {
    expect(await redis.set(`${prefix}a`, "1", { ex: 60 })).toBe("OK");
    expect(await redis.set(`${prefix}a`, "2", { nx: true })).toBeNull();
    expect(await redis.get(`${prefix}a`)).toBe(1); // @upstash/redis parses JSON by default
    expect(await redis.ttl(`${prefix}a`)).toBeGreaterThan(55);
    expect(await redis.incr(`${prefix}n`)).toBe(1);
    expect(await redis.incrby(`${prefix}n`, 5)).toBe(6);
    await redis.hset(`${prefix}h`, { f1: "v1", f2: "ünïcode" });
    expect(await redis.hgetall(`${prefix}h`)).toEqual({ f1: "v1", f2: "ünïcode" });
    await redis.rpush(`${prefix}l`, "x", "y");
    expect(await redis.lrange(`${prefix}l`, 0, -1)).toEqual(["x", "y"]);
    expect(await redis.get(`${prefix}missing`)).toBeNull();
    await redis.set(`${prefix}obj`, { nested: [1, "two"] });
    expect(await redis.get(`${prefix}obj`)).toEqual({ nested: [1, "two"] });
  });

  it("passes Redis errors through verbatim", async () => {
    await redis.set(`${prefix}str`, "x");
    await expect(redis.incr(`${prefix}str`)).rejects.toThrow(/ERR value is not an integer/);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it("runs EVAL, SCRIPT LOAD and EVALSHA, and the ratelimit shebang flag is dropped", async () => {
    const script = "return {KEYS[1], ARGV[1], 42}";
    expect(await redis.eval(script, [`${prefix}k`], ["v"])).toEqual([`${prefix}k`, "v", 42]);
    const sha = await redis.scriptLoad(script);
    expect(await redis.evalsha(sha, [`${prefix}k`], ["w"])).toEqual([`${prefix}k`, "w", 42]);
    const flagged = "#!lua flags=allow-key-locking\nreturn redis.call('INCR', KEYS[1])";
    const flaggedSha = await redis.scriptLoad(flagged);
    const { createHash } = await import("node:crypto");
    expect(flaggedSha).toBe(createHash("sha1").update(flagged).digest("hex"));
    expect(await redis.evalsha(flaggedSha, [`${prefix}f`], [])).toBe(1);
    expect(await redis.eval(flagged, [`${prefix}f`], [])).toBe(2);
    expect(await redis.scriptExists(flaggedSha)).toEqual([1]);
  });

  it("runs pipelines (each command answered on its own) and transactions", async () => {
    const p = redis.pipeline();
    p.set(`${prefix}p`, "v");
    p.incr(`${prefix}p`);
    p.get(`${prefix}p`);
    const results = await p.exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: "OK", error: undefined });
    expect(results[1]?.error).toMatch(/not an integer/);
    expect(results[2]?.result).toBe("v");

    const tx = redis.multi();
    tx.incr(`${prefix}t`);
    tx.incr(`${prefix}t`);
    tx.get(`${prefix}t`);
    expect(await tx.exec()).toEqual([1, 2, 2]);
  });

  it("serves every @upstash/ratelimit algorithm", async () => {
    // Long windows: a window boundary falling between the five calls would make this flaky.
    const limiters = {
      fixed: Ratelimit.fixedWindow(3, "1000 s"),
      sliding: Ratelimit.slidingWindow(3, "1000 s"),
      bucket: Ratelimit.tokenBucket(1, "1000 s", 3),
    };
    for (const [name, limiter] of Object.entries(limiters)) {
      const ratelimit = new Ratelimit({ redis, limiter, prefix: `${prefix}rl:${name}` });
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push((await ratelimit.limit("alice")).success);
      expect(outcomes, name).toEqual([true, true, true, false, false]);
    }
  });
});
