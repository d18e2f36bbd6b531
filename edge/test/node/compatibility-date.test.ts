import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../../..");
const dateOf = (path: string) =>
  /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(resolve(repoRoot, path), "utf8"))?.[1];

// wrangler.toml holds the one workerd compatibility date; infra/workerd/build.ts, bench's workerd
// config and edge/vitest.workers.config.ts read it there (edge/vitest.state-workers.config.ts is
// still pinned older: see its note). Workers with a wrangler.toml of their own (a toml cannot
// import) are held to the same date here.
describe("workerd compatibility date", () => {
  it("every other wrangler.toml uses the root one's", () => {
    const date = dateOf("wrangler.toml");
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const path of ["classifier/test/workerd/wrangler.toml", "bench/floor-worker/wrangler.toml"])
      expect({ path, date: dateOf(path) }).toEqual({ path, date });
  });
});
