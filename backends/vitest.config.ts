import { defineProject } from "vitest/config";

// Real node-llama-cpp servers on tiny GGUFs: one fork per file, files run one at a time
// because the machine has 2 cores shared with everyone else.
export default defineProject({
  test: {
    name: "backends",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
