import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Component and unit tests: jsdom, no network. The end-to-end browser test lives in
// vitest.e2e.config.ts (project "web-e2e").
export default defineConfig({
  plugins: [react()],
  test: {
    name: "web",
    root: import.meta.dirname,
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
