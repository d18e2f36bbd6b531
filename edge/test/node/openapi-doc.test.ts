import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPENAPI_PATH, renderOpenApi } from "../../scripts/openapi";

describe("docs/openapi.json", () => {
  it("is the document the edge serves (regenerate with npm run openapi)", async () => {
    const served = await renderOpenApi();
    expect(readFileSync(OPENAPI_PATH, "utf8")).toBe(served);
    const doc = JSON.parse(served) as { paths: Record<string, unknown> };
    for (const path of ["/v1/chat/completions", "/generate", "/v1/models", "/health", "/metrics"]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
