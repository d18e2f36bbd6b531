import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { repoRoot } from "./paths.js";
import { CatalogueSchema } from "./schema.js";

/** Path of the editor-facing JSON Schema generated from the zod schema. */
export const jsonSchemaPath = resolve(repoRoot, "backends/models.schema.json");

/**
 * JSON Schema of models.json for editors (the cross-entry rules - unique ids, tiers,
 * cost weights, stand-in checksums - live only in zod and run in loadCatalogue).
 *
 * @example writeFileSync(jsonSchemaPath, catalogueJsonSchemaText())
 */
export function catalogueJsonSchemaText(): string {
  const schema = z.toJSONSchema(CatalogueSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ title: "Switchyard model catalogue (backends/models.json)", ...schema }, null, 2)}\n`;
}

// `tsx src/catalogue/json-schema.ts` regenerates the file.
if (
  process.argv[1] &&
  resolve(process.argv[1]) === resolve(repoRoot, "backends/src/catalogue/json-schema.ts")
) {
  writeFileSync(jsonSchemaPath, catalogueJsonSchemaText());
  console.log(`wrote ${jsonSchemaPath}`);
}
