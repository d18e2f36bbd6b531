import { defineConfig } from "vitest/config";
import { WRANGLER_QUIET_ENV } from "./infra/workerd/wrangler-env.ts";

// Every wrangler/miniflare the tests start (in-process or as children) stays off the network.
for (const [name, value] of Object.entries(WRANGLER_QUIET_ENV)) process.env[name] ??= value;

// One runner for the whole repository: each workspace owns its vitest config(s);
// edge has a Node project and a workerd project (@cloudflare/vitest-pool-workers).
export default defineConfig({
  test: {
    projects: ["*/vitest.config.ts", "*/vitest.*.config.ts"],
    // Starts Redis, the Upstash bridge, PostgreSQL and the wsproxy when they are not running, and
    // stops only what it started (infra/local/test-services.ts).
    globalSetup: ["./infra/local/test-services.ts"],
  },
});
