/**
 * Writes the edge's OpenAPI document (generated from the same zod schemas that validate requests)
 * to docs/openapi.json:  npm run openapi
 */
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../src/app";
import { loadEdgeConfig } from "../src/config";
import { createJsonLinesSink } from "../src/log/json-lines-sink";
import { createMemoryCacheStore } from "../src/state/memory-cache-store";
import { createMemoryTokenBucketStore } from "../src/state/memory-token-bucket-store";

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../docs/openapi.json");

/** The OpenAPI document as served on GET /openapi.json, pretty-printed. */
export async function renderOpenApi(): Promise<string> {
  const config = loadEdgeConfig({ SWITCHYARD_API_KEYS: "openapi-render" });
  const app = createApp(config, {
    tokenBuckets: createMemoryTokenBucketStore(),
    cache: createMemoryCacheStore(),
    logSink: createJsonLinesSink({ writeBatch: () => {} }),
  });
  const res = await app.request("/openapi.json");
  return `${JSON.stringify(await res.json(), null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_PATH, await renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
}
