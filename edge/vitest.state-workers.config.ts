import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The Upstash stores and the Postgres request log inside workerd, where production runs, against
// the real local services (infra/local/services.sh). Their addresses come from this process's
// environment and reach the tests as bindings; CI=true turns a missing service into a failure.
const passThrough = [
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "DATABASE_URL",
  "SWITCHYARD_NEON_WSPROXY",
  "CI",
];

export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        // Not yet wrangler.toml's date (2026-04-20): on it the Neon driver's WebSocket in this pool
        // raises an uncaught "Network connection lost" after the Postgres-sink tests pass (issue 16).
        compatibilityDate: "2025-09-01",
        compatibilityFlags: ["nodejs_compat"],
        // Read when the pool starts, after the global setup (infra/local/test-services.ts) may
        // have started the services and set their variables.
        bindings: Object.defineProperties(
          {},
          Object.fromEntries(
            passThrough.map((name) => [name, { enumerable: true, get: () => process.env[name] ?? "" }]),
          ),
        ),
      },
    }),
  ],
  test: {
    name: "edge-state-workerd",
    root: import.meta.dirname,
    include: ["src/state/**/*.workerd.test.ts", "src/log/**/*.workerd.test.ts"],
    testTimeout: 20_000,
  },
});
