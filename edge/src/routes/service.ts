import { createRoute, z } from "@hono/zod-openapi";
import { apiErrors } from "./api-responses";
import { ErrorSchema } from "./schemas";

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness (public)",
  responses: {
    200: {
      description: "The gateway is up",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok"), models: z.number().int() }).openapi("Health"),
        },
      },
    },
    431: apiErrors[431],
  },
});

export const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics, totals across isolates (Bearer SWITCHYARD_METRICS_TOKEN)",
  security: [{ metricsToken: [] }],
  responses: {
    200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } },
    401: {
      description: "Missing or invalid metrics token",
      content: { "application/json": { schema: ErrorSchema } },
    },
    431: apiErrors[431],
  },
});
