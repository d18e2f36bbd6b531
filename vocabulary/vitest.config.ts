import { defineConfig } from "vitest/config";

// The words the edge and the model servers share: error kinds, metric names, the prompt hash.
export default defineConfig({
  test: { name: "vocabulary", root: import.meta.dirname, include: ["*.test.ts"] },
});
