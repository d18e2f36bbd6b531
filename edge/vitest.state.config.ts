import { defineConfig } from "vitest/config";

// Node tests of the edge's shared state and request log (memory stores, Upstash via the local
// REST bridge, Postgres via the Neon driver and wsproxy). Real-server tests read
// infra/local/services.env variables; see infra/local/services.sh.
export default defineConfig({
  test: {
    name: "edge-state",
    root: import.meta.dirname,
    include: [
      "src/state/**/*.test.ts",
      "src/log/**/*.test.ts",
      "../infra/db/**/*.test.ts",
      "../infra/local/**/*.test.ts",
    ],
    exclude: ["**/*.workerd.test.ts", "**/node_modules/**"],
    environment: "node",
    testTimeout: 20_000,
  },
});
