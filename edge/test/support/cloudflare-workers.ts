/**
 * Node stand-in for workerd's built-in `cloudflare:workers` (vitest alias in edge/vitest.config.ts):
 * the entry reads the isolate's bindings at start; in Node there are none, so every request
 * builds its app from the env it passes, as on a first request.
 */
export const env: Record<string, unknown> = {};
