import { defineConfig } from "vitest/config";

// Node tests of the router: features, decision rule, the train/evaluate CLI end to end (real
// Python + LightGBM), parity of the shipped model in Node, degraded policy, collect/label against
// real tiny backends. The workerd parity test is vitest.workers.config.ts.
export default defineConfig({
  test: {
    name: "classifier",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.workerd.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
