/**
 * `npm run diagrams`: renders every docs/diagrams/*.mmd to SVG beside it with mermaid's own
 * bundle in Debian's Chromium (playwright-core; never a downloaded browser). Each SVG starts with
 * the SHA-256 of its source, which docs/diagrams.test.ts compares (mtimes do not survive git).
 *
 * @example npm run diagrams
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const DIAGRAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "diagrams");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The marker line an SVG carries for its source. */
export const sourceMarker = (source: string) =>
  `<!-- source-sha256: ${createHash("sha256").update(source).digest("hex")} -->`;

async function main() {
  const mermaidBundle = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ path: mermaidBundle });
    for (const file of readdirSync(DIAGRAMS_DIR).filter((f) => f.endsWith(".mmd"))) {
      const source = readFileSync(join(DIAGRAMS_DIR, file), "utf8");
      const svg = await page.evaluate(async (text) => {
        const mermaid = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
        // Plain SVG text rather than HTML in foreignObject, so the file renders as an <img> anywhere.
        mermaid.initialize({
          startOnLoad: false,
          theme: "neutral",
          securityLevel: "strict",
          htmlLabels: false,
          flowchart: { htmlLabels: false },
        });
        return (await mermaid.render("diagram", text)).svg;
      }, source);
      const out = join(DIAGRAMS_DIR, file.replace(/\.mmd$/, ".svg"));
      writeFileSync(out, `${sourceMarker(source)}\n${svg}\n`);
      console.log(`wrote ${out}`);
    }
  } finally {
    await browser.close();
  }
}

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
