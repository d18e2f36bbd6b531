/**
 * Writes the dashboards from dashboards.ts to grafana/dashboards/<uid>.json, formatted by the
 * repository's formatter (biome) so `npm run lint` stays clean.
 *
 * @example
 * npx tsx observability/grafana/build-dashboards.ts
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dashboardJson, dashboards } from "./dashboards";

const files = dashboards.map((d) => {
  const file = fileURLToPath(new URL(`./dashboards/${d.uid}.json`, import.meta.url));
  writeFileSync(file, dashboardJson(d));
  return file;
});
execFileSync("npx", ["biome", "format", "--write", ...files], { stdio: "inherit" });
console.log(`wrote ${files.join(", ")}`);
