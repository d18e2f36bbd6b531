import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CAPABILITIES, type Capability, type RosterModel } from "../config/models";
import type { EdgeHonoEnv } from "../http/context";
import { ApiError } from "../http/errors";
import { AUTO_MODEL } from "../routing";
import { apiErrors } from "./api-responses";
import { ErrorSchema } from "./schemas";

export const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
    tier: z.number().int().nullable(),
    cost_weight: z.number().nullable(),
    context_length: z.number().int().nullable(),
    capabilities: z.array(z.enum(CAPABILITIES)),
    pricing: z
      .object({ input_usd_per_mtok: z.number(), output_usd_per_mtok: z.number() })
      .nullable()
      .openapi({ description: "USD per million tokens, from the catalogue or SWITCHYARD_MODELS." }),
    replicas: z.number().int().openapi({ description: "Backends serving this model (0 for auto)." }),
  })
  .openapi("Model");

export const ModelListSchema = z
  .object({ object: z.literal("list"), data: z.array(ModelSchema) })
  .openapi("ModelList");

export const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  summary: "The models this gateway serves, plus auto",
  security: [{ bearer: [] }],
  responses: {
    200: { description: "Model list", content: { "application/json": { schema: ModelListSchema } } },
    ...apiErrors,
  },
});

export const modelRoute = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  summary: "One model (OpenAI's models.retrieve)",
  security: [{ bearer: [] }],
  request: { params: z.object({ model: z.string().min(1) }) },
  responses: {
    200: { description: "The model", content: { "application/json": { schema: ModelSchema } } },
    ...apiErrors,
    404: { description: "Unknown model", content: { "application/json": { schema: ErrorSchema } } },
  },
});

/** Fixed: the catalogue has no creation dates, and clients only need a number. */
const CREATED = 1_735_689_600;

type ModelObject = z.infer<typeof ModelSchema>;

function modelObject(m: RosterModel): ModelObject {
  return {
    id: m.id,
    object: "model",
    created: CREATED,
    owned_by: "switchyard",
    tier: m.tier,
    cost_weight: m.costWeight,
    context_length: m.contextLength,
    capabilities: m.capabilities,
    pricing: m.price
      ? { input_usd_per_mtok: m.price.inputUsdPerMTok, output_usd_per_mtok: m.price.outputUsdPerMTok }
      : null,
    replicas: m.backends.length,
  };
}

/**
 * GET /v1/models and /v1/models/{model}: the roster (run-time configuration) plus `auto`, whose
 * capabilities are those of any served model. An unknown id is a 404 in OpenAI's error shape.
 *
 * @example app.route("/", modelRoutes(config.roster));
 */
export function modelRoutes(roster: RosterModel[]) {
  const auto: ModelObject = {
    id: AUTO_MODEL,
    object: "model",
    created: CREATED,
    owned_by: "switchyard",
    tier: null,
    cost_weight: null,
    context_length: null,
    capabilities: CAPABILITIES.filter((cap: Capability) => roster.some((m) => m.capabilities.includes(cap))),
    pricing: null,
    replicas: 0,
  };
  const byId = new Map<string, ModelObject>([
    [AUTO_MODEL, auto],
    ...roster.map((m) => [m.id, modelObject(m)] as const),
  ]);
  const one = (id: string): ModelObject => {
    const model = byId.get(id);
    if (!model)
      throw new ApiError(404, "model_not_found", `The model "${id}" does not exist; see GET /v1/models`, {
        param: "model",
      });
    return model;
  };
  const app = new OpenAPIHono<EdgeHonoEnv>();
  app.openapi(modelsRoute, (c) => c.json({ object: "list" as const, data: [...byId.values()] }, 200));
  app.openapi(modelRoute, (c) => c.json(one(c.req.valid("param").model), 200));
  // Ids may contain "/" (e.g. "org/model"), which a path parameter does not match.
  app.get("/v1/models/:model{.+/.+}", (c) => c.json(one(c.req.param("model"))));
  return app;
}
