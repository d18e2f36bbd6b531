import { defineConfig } from "vitest/config";

// Deployment checks with the real tools: helm lint/template + Kubernetes schema validation, the
// Compose parser, OpenTofu fmt and an HCL parser over infra/terraform, Debian's nginx terminating
// TLS in front of the workerd edge. infra/db and infra/local tests run in edge's state project.
export default defineConfig({
  test: {
    name: "infra",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
