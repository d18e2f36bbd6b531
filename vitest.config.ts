import { defineConfig } from "vitest/config";

// One runner for the whole repository: each workspace owns its vitest config(s);
// edge has a Node project and a workerd project (@cloudflare/vitest-pool-workers).
export default defineConfig({
  test: {
    projects: ["*/vitest.config.ts", "*/vitest.*.config.ts"],
  },
});
