import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "smol-toml";

/** What a wrangler config says about the runtime, read so workerd runs the worker the same way. */
export interface WorkerRuntime {
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Durable Object bindings: binding name -> exported class. */
  durableObjects: Record<string, string>;
  /** Plain `[vars]`. */
  vars: Record<string, string>;
}

/** Reads the runtime facts of a wrangler.toml (compatibility, Durable Objects, vars). */
export function readWranglerRuntime(wranglerToml: string): WorkerRuntime {
  const toml = parse(readFileSync(wranglerToml, "utf8")) as {
    compatibility_date?: string;
    compatibility_flags?: string[];
    durable_objects?: { bindings?: Array<{ name: string; class_name: string }> };
    vars?: Record<string, unknown>;
  };
  if (!toml.compatibility_date) throw new Error(`${wranglerToml}: no compatibility_date`);
  return {
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
    durableObjects: Object.fromEntries(
      (toml.durable_objects?.bindings ?? []).map((b) => [b.name, b.class_name]),
    ),
    vars: Object.fromEntries(Object.entries(toml.vars ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

export interface WorkerdConfigOptions {
  /** Directory holding wrangler's bundle (`wrangler deploy --dry-run --outdir`): index.js + modules. */
  bundleDir: string;
  runtime: WorkerRuntime;
  /** Text bindings (vars and secrets); they override `runtime.vars`. */
  bindings: Record<string, string>;
  /** Listens on this address, e.g. "127.0.0.1:8787". */
  address: string;
  /** Durable Object storage directory (SQLite files); required when the worker has Durable Objects. */
  storageDir?: string;
  /** Where the config file will be written: Cap'n Proto resolves `embed` paths relative to it. */
  configDir: string;
  /** The worker's service name in the config. */
  name?: string;
}

const str = (s: string) => JSON.stringify(s);

/** The module list of a wrangler bundle: the entry, then its wasm and data modules. */
function bundleModules(bundleDir: string, configDir: string): string[] {
  const files = readdirSync(bundleDir);
  if (!files.includes("index.js")) throw new Error(`${bundleDir}: no index.js (bundle the worker first)`);
  const at = (f: string) => str(relative(configDir, join(bundleDir, f)));
  const modules = [`(name = "index.js", esModule = embed ${at("index.js")})`];
  for (const f of files.sort()) {
    if (f.endsWith(".wasm")) modules.push(`(name = ${str(f)}, wasm = embed ${at(f)})`);
    else if (f.endsWith(".onnx") || f.endsWith(".bin"))
      modules.push(`(name = ${str(f)}, data = embed ${at(f)})`);
  }
  return modules;
}

/**
 * A workerd configuration (Cap'n Proto text) that serves one bundled worker on `address`, the
 * way Cloudflare runs it: same compatibility date and flags, Durable Objects with SQLite
 * storage on local disk, and outbound fetches allowed to private and loopback addresses (the
 * model backends are on the local network, which workerd's default "internet" refuses).
 *
 * @example
 * writeFileSync("edge.capnp", workerdConfig({ bundleDir, runtime: readWranglerRuntime("wrangler.toml"), bindings, address: "127.0.0.1:8787", storageDir }));
 * // workerd serve edge.capnp --experimental
 */
export function workerdConfig(opts: WorkerdConfigOptions): string {
  const name = opts.name ?? "worker";
  const bindings = { ...opts.runtime.vars, ...opts.bindings };
  const doEntries = Object.entries(opts.runtime.durableObjects);
  if (doEntries.length > 0 && !opts.storageDir)
    throw new Error("the worker has Durable Objects: pass storageDir");
  const bindingLines = [
    ...Object.entries(bindings).map(([k, v]) => `(name = ${str(k)}, text = ${str(v)})`),
    ...doEntries.map(([binding, cls]) => `(name = ${str(binding)}, durableObjectNamespace = ${str(cls)})`),
  ];
  const worker = [
    `modules = [\n    ${bundleModules(opts.bundleDir, opts.configDir).join(",\n    ")}\n  ]`,
    `compatibilityDate = ${str(opts.runtime.compatibilityDate)}`,
    `compatibilityFlags = [${opts.runtime.compatibilityFlags.map(str).join(", ")}]`,
    `bindings = [\n    ${bindingLines.join(",\n    ")}\n  ]`,
    ...(doEntries.length
      ? [
          `durableObjectNamespaces = [${doEntries
            .map(
              ([, cls]) =>
                `(className = ${str(cls)}, uniqueKey = ${str(`${name}-${cls}`)}, enableSql = true)`,
            )
            .join(", ")}]`,
          `durableObjectStorage = (localDisk = "do-storage")`,
        ]
      : []),
    `globalOutbound = "outbound"`,
  ];
  const services = [
    `(name = ${str(name)}, worker = (\n  ${worker.join(",\n  ")}\n))`,
    `(name = "outbound", network = (allow = ["public", "private", "local"]))`,
    ...(opts.storageDir
      ? [`(name = "do-storage", disk = (path = ${str(opts.storageDir)}, writable = true))`]
      : []),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
${services.join(",\n")}
  ],
  sockets = [(name = "http", address = ${str(opts.address)}, http = (), service = ${str(name)})]
);
`;
}
