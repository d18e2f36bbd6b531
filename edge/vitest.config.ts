import { defineConfig } from "vitest/config";

// Node project of the edge: unit tests beside the code, the fault-injection suite against fake
// backends, and end-to-end tests through `wrangler dev` to real backends. The workerd project is
// vitest.workers.config.ts; src/state and src/log tests belong to vitest.state.config.ts.
export default defineConfig({
  // The worker entry imports workerd's built-in module; Node tests get an empty stand-in.
  resolve: { alias: { "cloudflare:workers": `${import.meta.dirname}/test/support/cloudflare-workers.ts` } },
  test: {
    name: "edge",
    root: import.meta.dirname,
    include: [
      "src/middleware/**/*.test.ts",
      "src/routing/**/*.test.ts",
      "src/proxy/**/*.test.ts",
      "src/config/**/*.test.ts",
      "src/completion/**/*.test.ts",
      "src/metrics/**/*.test.ts",
      "src/routes/**/*.test.ts",
      "src/responses/**/*.test.ts",
      "src/embeddings/**/*.test.ts",
      "test/reliability/**/*.test.ts",
      "test/node/**/*.test.ts",
      "test/e2e/**/*.test.ts",
      "test/fuzz/**/*.test.ts",
    ],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
