import { defineProject } from "vitest/config";

// Docs that must match the code: rendered diagrams, documented variables, error codes, the
// middleware order (docs/docs.test.ts).
export default defineProject({
  test: { name: "docs", root: import.meta.dirname, include: ["*.test.ts"], environment: "node" },
});
