import { defineConfig } from "vitest/config";

// End to end in Debian's Chromium (playwright-core) against the real local stack, which the
// test starts itself on free ports: `npm start` (the edge on workerd, serving web/dist)
// in front of real backends on the tiny models. Slow: one file, no parallelism.
export default defineConfig({
  test: {
    name: "web-e2e",
    root: import.meta.dirname,
    environment: "node",
    include: ["e2e/**/*.e2e.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 420_000,
  },
});
