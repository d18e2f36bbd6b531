import { describe, expect, it } from "vitest";
import { createMemoryCacheStore } from "./memory-cache-store";

describe("createMemoryCacheStore", () => {
  it("returns what was set until the TTL passes", async () => {
    let now = 0;
    const cache = createMemoryCacheStore({ now: () => now });
    await cache.set("k", "v", 5);
    expect(await cache.get("k")).toBe("v");
    expect(await cache.get("other")).toBeNull();
    now = 4999;
    expect(await cache.get("k")).toBe("v");
    now = 5000;
    expect(await cache.get("k")).toBeNull();
  });

  it("overwrites and ignores non-positive TTLs", async () => {
    const cache = createMemoryCacheStore();
    await cache.set("k", "1", 60);
    await cache.set("k", "2", 60);
    expect(await cache.get("k")).toBe("2");
    await cache.set("k", "3", 0);
    expect(await cache.get("k")).toBeNull();
  });

  it("evicts the least recently used entry beyond maxEntries", async () => {
    const cache = createMemoryCacheStore({ maxEntries: 2 });
    await cache.set("a", "A", 60);
    await cache.set("b", "B", 60);
    await cache.get("a"); // a is now more recent than b
    await cache.set("c", "C", 60);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toBe("A");
    expect(await cache.get("c")).toBe("C");
  });

  it("bounds the total size and skips values larger than the bound", async () => {
    const cache = createMemoryCacheStore({ maxSize: 10 });
    await cache.set("big", "x".repeat(11), 60);
    expect(await cache.get("big")).toBeNull();
    await cache.set("a", "x".repeat(6), 60);
    await cache.set("b", "y".repeat(6), 60);
    expect(await cache.get("a")).toBeNull();
    expect(await cache.get("b")).toBe("yyyyyy");
  });
});
