import { z } from "zod";
import catalogueJson from "../../../backends/models.json";

/**
 * The part of the model catalogue (`backends/models.json`) the edge needs. The JSON is imported
 * directly so wrangler bundles it; the full schema lives in backends/src/catalogue and is
 * enforced there, here we only check the fields we read.
 */
const CatalogueEntrySchema = z.looseObject({
  id: z.string().min(1),
  kind: z.enum(["production", "dev"]),
  displayName: z.string(),
  contextLength: z.number().int().positive(),
  tier: z.number().int().positive().optional(),
  costWeight: z.number().positive().optional(),
  continuation: z.boolean().optional(),
  price: z
    .looseObject({ inputUsdPerMTok: z.number().min(0), outputUsdPerMTok: z.number().min(0) })
    .optional(),
});
const CatalogueSchema = z.looseObject({ models: z.array(CatalogueEntrySchema).min(1) });

export interface CatalogueModel {
  id: string;
  kind: "production" | "dev";
  displayName: string;
  contextLength: number;
  /** Cascade order, small to large; null for dev entries (they are never a fallback). */
  tier: number | null;
  costWeight: number | null;
  /** Its backend continues a trailing assistant message: a broken stream may be rescued here. */
  continuation: boolean;
  /** USD per million tokens; null for dev entries. */
  price: { inputUsdPerMTok: number; outputUsdPerMTok: number } | null;
}

/**
 * Catalogue entries in cascade order: production by tier, then dev entries.
 *
 * @example catalogueModels().map((m) => m.id)
 */
export function catalogueModels(data: unknown = catalogueJson): CatalogueModel[] {
  const parsed = CatalogueSchema.parse(data);
  const models = parsed.models.map((m) => ({
    id: m.id,
    kind: m.kind,
    displayName: m.displayName,
    contextLength: m.contextLength,
    tier: m.kind === "production" ? (m.tier ?? null) : null,
    costWeight: m.costWeight ?? null,
    continuation: m.continuation ?? false,
    price: m.price
      ? { inputUsdPerMTok: m.price.inputUsdPerMTok, outputUsdPerMTok: m.price.outputUsdPerMTok }
      : null,
  }));
  const rank = (m: CatalogueModel) => m.tier ?? Number.MAX_SAFE_INTEGER;
  return models.sort((a, b) => rank(a) - rank(b));
}
