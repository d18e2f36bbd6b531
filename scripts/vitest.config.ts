import { defineProject } from "vitest/config";

// `npm start` as a user runs it: real backends (SmolLM2), the real edge, the real credentials
// handling. One file at a time: each test starts a whole stack on a 2-core machine.
export default defineProject({
  test: {
    name: "start",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
