import { defineConfig } from "vitest/config";

// Unit tests of the load tester's own logic: no servers, no models, quick.
export default defineConfig({
  test: {
    name: "bench",
    root: import.meta.dirname,
    include: ["src/**/*.test.ts"],
  },
});
