import { z } from "zod";
import type { CatalogueModel } from "./catalogue";

/** What a model can be asked for; requests needing one go only to models that declare it. */
export const CAPABILITIES = ["chat", "tools", "json_schema", "embeddings", "continuation"] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * Catalogue models are chat models with templates (tools, grammars); `continuation` (continuing a
 * trailing assistant message, which lets a broken stream be resumed) where the catalogue says so.
 */
const catalogueCapabilities = (m: CatalogueModel): Capability[] => [
  "chat",
  "tools",
  "json_schema",
  ...(m.continuation ? (["continuation"] as const) : []),
];
/** A model only named with a URL: assume the least. */
const BARE_CAPABILITIES: Capability[] = ["chat"];

export interface ModelPrice {
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
}

/** A model this deployment serves: catalogue facts (or the operator's), and where its backends are. */
export interface RosterModel extends Omit<CatalogueModel, "kind" | "contextLength"> {
  /** "custom": an id the catalogue does not know, described by SWITCHYARD_MODELS alone. */
  kind: CatalogueModel["kind"] | "custom";
  contextLength: number | null;
  /** Backend base URLs (no trailing slash): replicas of the same model, balanced by the proxy. */
  backends: string[];
  capabilities: Capability[];
  price: ModelPrice | null;
}

const BackendUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));
const BackendUrls = z
  .union([BackendUrl, z.array(BackendUrl).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const ModelSpecSchema = z.strictObject({
  backends: BackendUrls,
  displayName: z.string().min(1).optional(),
  tier: z.number().int().positive().nullable().optional(),
  contextLength: z.number().int().positive().optional(),
  price: z
    .strictObject({ inputUsdPerMTok: z.number().min(0), outputUsdPerMTok: z.number().min(0) })
    .optional(),
  costWeight: z.number().positive().optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).min(1).optional(),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** `SWITCHYARD_MODELS`: JSON object, model id -> spec. */
export const ModelsSchema = z.record(z.string().min(1).max(128), ModelSpecSchema);
/** `SWITCHYARD_BACKENDS`: JSON object, model id -> one URL or a list of replica URLs. */
export const BackendsSchema = z.record(z.string().min(1).max(128), BackendUrls);

/** JSON text -> value, with "must be JSON" as the one issue when it is not. */
export const jsonText = (name: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: `${name} must be a JSON object` });
      return z.NEVER;
    }
  });

const defaultCostWeight = (price: ModelPrice | null, cheapest: number | null) =>
  price && cheapest
    ? Math.round(((price.inputUsdPerMTok + price.outputUsdPerMTok) / 2 / cheapest) * 1000) / 1000
    : null;

/**
 * The roster: every model named in SWITCHYARD_BACKENDS (id -> URLs) or SWITCHYARD_MODELS (id ->
 * full spec), catalogue facts filled in for catalogue ids, in cascade order (tiered models small
 * to large, then the others). An id may be named in only one of the two.
 *
 * @example
 * buildRoster({ "my-llm": { backends: ["http://a:8080", "http://b:8080"], tier: 1 } }, {}, catalogueModels(), problems.add)
 */
export function buildRoster(
  models: Record<string, ModelSpec>,
  backends: Record<string, string[]>,
  catalogue: CatalogueModel[],
  report: (variable: string, reason: string) => void,
): RosterModel[] {
  const both = Object.keys(models).filter((id) => id in backends);
  if (both.length > 0)
    report("SWITCHYARD_MODELS", `names models also in SWITCHYARD_BACKENDS (use one): ${both.join(", ")}`);
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const specs: [string, ModelSpec][] = [
    ...Object.entries(backends).map(([id, urls]): [string, ModelSpec] => [id, { backends: urls }]),
    ...Object.entries(models),
  ];
  const prices = specs
    .map(([id, spec]) => spec.price ?? byId.get(id)?.price ?? null)
    .filter((p) => p !== null);
  const cheapest =
    prices.length > 0 ? Math.min(...prices.map((p) => (p.inputUsdPerMTok + p.outputUsdPerMTok) / 2)) : null;
  const roster = specs.map(([id, spec]): RosterModel => {
    const known = byId.get(id);
    const price = spec.price ?? known?.price ?? null;
    const capabilities = spec.capabilities ?? (known ? catalogueCapabilities(known) : BARE_CAPABILITIES);
    return {
      id,
      kind: known?.kind ?? "custom",
      displayName: spec.displayName ?? known?.displayName ?? id,
      contextLength: spec.contextLength ?? known?.contextLength ?? null,
      tier: spec.tier !== undefined ? spec.tier : (known?.tier ?? null),
      costWeight:
        spec.costWeight ?? (spec.price ? defaultCostWeight(price, cheapest) : (known?.costWeight ?? null)),
      price,
      backends: [...new Set(spec.backends)],
      capabilities,
      continuation: capabilities.includes("continuation"),
    };
  });
  const rank = (m: RosterModel) => m.tier ?? Number.MAX_SAFE_INTEGER;
  const catalogueRank = (m: RosterModel) => {
    const i = catalogue.findIndex((c) => c.id === m.id);
    return i < 0 ? catalogue.length : i;
  };
  return roster.sort((a, b) => rank(a) - rank(b) || catalogueRank(a) - catalogueRank(b));
}
