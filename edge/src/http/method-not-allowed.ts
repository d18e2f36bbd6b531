import type { RouterRoute } from "hono/types";
import { ApiError } from "./errors";

const patternOf = (path: string) =>
  new RegExp(
    `^${path
      .split("/")
      .map((part) =>
        part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/")}$`,
  );

/**
 * The app's not-found handler: 405 with `Allow` when the path exists under other methods (HTTP
 * semantics, and what the OpenAPI document implies), else the 404 `not_found` error. Middleware
 * registrations (method ALL) do not count as routes.
 *
 * @example app.notFound(methodNotAllowedOr404(() => app.routes));
 */
export function methodNotAllowedOr404(routes: () => RouterRoute[]) {
  return (c: { req: { path: string } }): Response => {
    const allowed = new Set<string>();
    for (const route of routes()) {
      if (route.method === "ALL" || !patternOf(route.path).test(c.req.path)) continue;
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
    }
    if (allowed.size === 0) return new ApiError(404, "not_found", "No such route").getResponse();
    const allow = [...allowed].sort().join(", ");
    return new ApiError(405, "method_not_allowed", `Use ${allow} for ${c.req.path}`, {
      headers: { allow },
    }).getResponse();
  };
}
