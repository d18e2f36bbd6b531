import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The classifier policy inside workerd, as the edge runs it: onnxruntime-web's wasm bundle with
// the .wasm imported as a compiled module and the .onnx as data (the same rules as wrangler.toml).
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["nodejs_compat"],
        modulesRules: [
          { type: "Data", include: ["**/*.onnx"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
      },
    }),
  ],
  test: {
    name: "classifier-workerd",
    root: import.meta.dirname,
    include: ["test/**/*.workerd.test.ts"],
    testTimeout: 60_000,
  },
});
