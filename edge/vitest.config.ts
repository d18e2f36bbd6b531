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
    // Every unit test beside the code, and the end-to-end suites under test/; the state stores and
    // the request log (real Redis and Postgres) are the edge-state project's, workerd tests the pools'.
    include: ["src/**/*.test.ts", "test/{reliability,node,e2e,fuzz}/**/*.test.ts"],
    exclude: ["src/state/**", "src/log/**", "**/*.workerd.test.ts", "**/node_modules/**"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
