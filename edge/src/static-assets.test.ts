import { describe, expect, it } from "vitest";
import {
  NO_ASSET_HEADER,
  type StaticAssetsBindings,
  serveStaticAsset,
  wantsStaticAsset,
} from "./static-assets";

const asked: string[] = [];
const files: Record<string, string> = { "/": "<html>app</html>" };
const env: StaticAssetsBindings = {
  STATIC_FILES: {
    async fetch(request: Request) {
      const { pathname } = new URL(request.url);
      asked.push(pathname);
      const file = files[pathname];
      return file === undefined
        ? new Response(null, { status: 404, headers: { [NO_ASSET_HEADER]: "1" } })
        : new Response(file, { headers: { "content-type": "text/html" } });
    },
  },
  ASSETS_ROUTING: { runWorkerFirst: ["/v1/*", "/health"] },
};
const req = (path: string, method = "GET") => new Request(`https://edge.test${path}`, { method });

describe("static assets in the edge's entry (self-hosted workerd)", () => {
  it("never asks for API methods or run_worker_first paths", () => {
    expect(wantsStaticAsset(req("/v1/chat/completions", "POST"), env)).toBe(false);
    expect(wantsStaticAsset(req("/", "POST"), env)).toBe(false);
    expect(wantsStaticAsset(req("/v1/models"), env)).toBe(false);
    expect(wantsStaticAsset(req("/health"), env)).toBe(false);
    expect(wantsStaticAsset(req("/healthz"), env)).toBe(true);
    expect(wantsStaticAsset(req("/"), env)).toBe(true);
    expect(wantsStaticAsset(req("/chats/42", "HEAD"), env)).toBe(true);
  });

  it("asks nothing where the platform serves assets (Cloudflare: no binding)", () => {
    expect(wantsStaticAsset(req("/"), {})).toBe(false);
  });

  it("answers the file, or null (the app answers) when the static-files worker has none", async () => {
    const found = await serveStaticAsset(req("/"), env);
    expect(await found?.text()).toBe("<html>app</html>");
    expect(await serveStaticAsset(req("/missing.js"), env)).toBeNull();
    expect(asked).toEqual(["/", "/missing.js"]);
  });
});
