import { describe, expect, it } from "vitest";
import { PoolClosedError, QueueFullError, SlotPool, type SlotPoolStats } from "./slot-pool.js";

describe("SlotPool", () => {
  it("hands out free slots, queues FIFO up to queueSize, then rejects", async () => {
    const changes: SlotPoolStats[] = [];
    const pool = new SlotPool(["a", "b"], { queueSize: 2, onChange: (s) => changes.push(s) });
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect([first.resource, second.resource].sort()).toEqual(["a", "b"]);
    const order: number[] = [];
    const w1 = pool.acquire().then((lease) => {
      order.push(1);
      return lease;
    });
    const w2 = pool.acquire().then((lease) => {
      order.push(2);
      return lease;
    });
    expect(pool.saturated).toBe(true);
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    first.release();
    first.release(); // idempotent: must not free a second slot
    second.release();
    await Promise.all([w1, w2]);
    expect(order).toEqual([1, 2]);
    expect(pool.stats).toEqual({ capacity: 2, busy: 2, waiting: 0 });
    expect(changes.at(-1)).toEqual({ capacity: 2, busy: 2, waiting: 0 });
  });

  it("an aborted waiter leaves the queue and never receives a slot", async () => {
    const pool = new SlotPool(["a"], { queueSize: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error("client gone"));
    await expect(waiting).rejects.toThrow("client gone");
    expect(pool.stats.waiting).toBe(0);
    held.release();
    expect(pool.stats.busy).toBe(0);
  });

  it("close() rejects waiters and new callers; idle() resolves when the last lease returns", async () => {
    const pool = new SlotPool(["a"], { queueSize: 4 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    pool.close();
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    let idle = false;
    const idlePromise = pool.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    held.release();
    await idlePromise;
    expect(idle).toBe(true);
  });
});
