import { defineConfig } from "vitest/config";

// Observability checks with real tools: promtool on the configs, rules and every PromQL query;
// docker-compose's parser on the Compose file; a real Prometheus scraping real services.
export default defineConfig({
  test: {
    name: "observability",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
