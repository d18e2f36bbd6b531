import type { Context } from "hono";

/**
 * Runs work after the response without holding it up: `executionCtx.waitUntil` on Workers;
 * outside Workers (Node tests) the promise simply runs on. Never rejects into the caller.
 *
 * @example background(c, sink.write(record));
 */
export function background(c: Context, work: Promise<unknown>): void {
  const safe = work.catch(() => {});
  try {
    c.executionCtx.waitUntil(safe);
  } catch {
    // No ExecutionContext (app.fetch without one): nothing to extend.
  }
}
