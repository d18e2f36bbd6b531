import { readFileSync } from "node:fs";
import { z } from "zod";
import { cataloguePath } from "./paths.js";
import { type Catalogue, type CatalogueModel, CatalogueSchema } from "./schema.js";

let cached: Catalogue | undefined;

/**
 * Parses and validates a catalogue document; throws an Error listing every problem.
 *
 * @example parseCatalogue(JSON.parse(text), "models.json")
 */
export function parseCatalogue(data: unknown, origin = "catalogue"): Catalogue {
  const result = CatalogueSchema.safeParse(data);
  if (!result.success)
    throw new Error(`Invalid model catalogue (${origin}):\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * The parsed and validated `backends/models.json`, read once and cached.
 *
 * @example loadCatalogue().models.map((m) => m.id)
 */
export function loadCatalogue(): Catalogue {
  cached ??= parseCatalogue(JSON.parse(readFileSync(cataloguePath, "utf8")), cataloguePath);
  return cached;
}

/** The catalogue entry with this id, or undefined. */
export function findModel(id: string, catalogue: Catalogue = loadCatalogue()): CatalogueModel | undefined {
  return catalogue.models.find((m) => m.id === id);
}
