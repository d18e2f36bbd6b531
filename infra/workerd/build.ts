/**
 * `npm run build:edge`: builds what infra/workerd/switchyard.capnp serves, into dist/workerd/:
 * - edge/: the worker bundle exactly as `wrangler deploy` uploads it (`wrangler deploy --dry-run
 *   --outdir`): index.js plus the onnxruntime wasm and the router's ONNX model as modules;
 * - static-files.js: the worker serving web/dist by wrangler.toml's [assets] rules (esbuild);
 * - edge.capnp: the module list, one fromEnvironment binding per edge setting (the keys of
 *   EnvSchema), the Durable Object bindings, compatibility date and flags from wrangler.toml.
 * web/dist must exist (`npm run build:web`): wrangler reads the assets directory.
 *
 * @example
 * npm run build:edge
 * import { buildWorkerdEdge } from "../infra/workerd/build"; await buildWorkerdEdge();
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { unstable_readConfig } from "wrangler";
import { EnvSchema } from "../../edge/src/config/schema";
import { WRANGLER_QUIET_ENV } from "./wrangler-env";

export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WORKERD_CONFIG = join(REPO_DIR, "infra", "workerd", "switchyard.capnp");
export const WORKERD_BUILD_DIR = join(REPO_DIR, "dist", "workerd");
const WRANGLER_CONFIG = join(REPO_DIR, "wrangler.toml");
const WRANGLER_BIN = join(REPO_DIR, "node_modules", "wrangler", "bin", "wrangler.js");

/** wrangler module rule types -> workerd module kinds. */
const MODULE_KINDS: Record<string, string> = {
  ESModule: "esModule",
  CommonJS: "commonJsModule",
  CompiledWasm: "wasm",
  Data: "data",
  Text: "text",
};
/** wrangler's default rules (after the config's own). */
const DEFAULT_RULES = [
  { type: "CompiledWasm", globs: ["**/*.wasm", "**/*.wasm?module"] },
  { type: "Text", globs: ["**/*.txt", "**/*.html", "**/*.sql"] },
  { type: "Data", globs: ["**/*.bin"] },
];

const capnpText = (text: string) => JSON.stringify(text);

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_DIR,
      env: { ...process.env, ...WRANGLER_QUIET_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b));
    child.stderr.on("data", (b: Buffer) => (output += b));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} failed:\n${output}`)),
    );
  });
}

/** The workerd module kind of a bundled file, by wrangler's rules; null for non-modules (maps). */
function moduleKind(file: string, rules: { type: string; globs: string[] }[]): string | null {
  if (file.endsWith(".map") || file === "README.md") return null;
  if (file.endsWith(".js") || file.endsWith(".mjs")) return "esModule";
  for (const rule of rules) {
    for (const glob of rule.globs) {
      const suffix = glob.replace(/^\*\*\/\*/, "");
      if (file.endsWith(suffix)) return MODULE_KINDS[rule.type] ?? null;
    }
  }
  throw new Error(`dist/workerd/edge/${file}: no wrangler module rule matches it`);
}

/** Builds dist/workerd/ from wrangler.toml and the edge source; returns the directory. */
export async function buildWorkerdEdge(): Promise<string> {
  const config = unstable_readConfig({ config: WRANGLER_CONFIG }, { hideWarnings: true });
  const assetsDir = config.assets?.directory ? join(REPO_DIR, config.assets.directory) : null;
  if (assetsDir && !existsSync(join(assetsDir, "index.html")))
    throw new Error(`${assetsDir}/index.html is missing: run \`npm run build:web\` first`);
  const vars = Object.keys(config.vars ?? {});
  if (vars.length > 0)
    throw new Error(
      `wrangler.toml [vars] ${vars.join(", ")}: the workerd edge reads every setting from its environment; ` +
        "put defaults in edge/src/config/schema.ts instead",
    );

  const edgeDir = join(WORKERD_BUILD_DIR, "edge");
  rmSync(edgeDir, { recursive: true, force: true });
  mkdirSync(edgeDir, { recursive: true });
  await run(process.execPath, [
    WRANGLER_BIN,
    "deploy",
    "--dry-run",
    "--config",
    WRANGLER_CONFIG,
    "--outdir",
    edgeDir,
  ]);

  const rules = [...(config.rules ?? []), ...DEFAULT_RULES];
  const files = readdirSync(edgeDir).sort((a, b) =>
    a === "index.js" ? -1 : b === "index.js" ? 1 : a.localeCompare(b),
  );
  if (files[0] !== "index.js") throw new Error("wrangler deploy --dry-run wrote no index.js");
  const modules = files.flatMap((file) => {
    const kind = moduleKind(file, rules);
    return kind ? [`(name = ${capnpText(file)}, ${kind} = embed ${capnpText(`edge/${file}`)})`] : [];
  });

  const bindings = [
    ...Object.keys(EnvSchema.shape).map(
      (name) => `(name = ${capnpText(name)}, fromEnvironment = ${capnpText(name)})`,
    ),
    ...(config.durable_objects?.bindings ?? []).map(
      (b: { name: string; class_name: string }) =>
        `(name = ${capnpText(b.name)}, durableObjectNamespace = ${capnpText(b.class_name)})`,
    ),
  ];
  const routing = {
    runWorkerFirst: Array.isArray(config.assets?.run_worker_first) ? config.assets.run_worker_first : [],
    notFoundHandling: config.assets?.not_found_handling ?? "none",
  };
  const routingText = capnpText(JSON.stringify(routing));
  // edge/src/static-assets.ts: the edge applies the [assets] rules, asking switchyard.capnp's
  // static-files service for anything that is not the worker's.
  if (assetsDir)
    bindings.push(
      '(name = "STATIC_FILES", service = "static-files")',
      `(name = "ASSETS_ROUTING", json = ${routingText})`,
    );

  await build({
    entryPoints: [join(REPO_DIR, "infra", "workerd", "static-files.ts")],
    outfile: join(WORKERD_BUILD_DIR, "static-files.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "warning",
  });

  const list = (items: string[]) => `[\n  ${items.join(",\n  ")},\n]`;
  writeFileSync(
    join(WORKERD_BUILD_DIR, "edge.capnp"),
    [
      "# Generated by infra/workerd/build.ts (npm run build:edge) from wrangler.toml and edge/src/config/schema.ts.",
      "# Imported by infra/workerd/switchyard.capnp; do not edit.",
      "@0xd6a5a2b61b5ad8f1;",
      'using Workerd = import "/workerd/workerd.capnp";',
      `const compatibilityDate :Text = ${capnpText(config.compatibility_date ?? "")};`,
      `const compatibilityFlags :List(Text) = [${(config.compatibility_flags ?? []).map(capnpText).join(", ")}];`,
      `const edgeModules :List(Workerd.Worker.Module) = ${list(modules)};`,
      `const edgeBindings :List(Workerd.Worker.Binding) = ${list(bindings)};`,
      `const assetsRouting :Text = ${routingText};`,
      "",
    ].join("\n"),
  );
  return WORKERD_BUILD_DIR;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWorkerdEdge().then(
    (dir) => process.stdout.write(`workerd edge built in ${dir}\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
