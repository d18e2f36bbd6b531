import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";

/**
 * Every setting of one model server, validated in one place. CLI flags win over
 * `SWITCHYARD_*` environment variables, which win over the defaults below.
 *
 * @example
 * const options = parseBackendOptions(["--model", "stories260k", "--port", "0"], process.env);
 */
/** Addresses only this machine can reach: a backend there may run without an API key. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export const backendOptionsSchema = z
  .object({
    /** Catalogue id or path to a .gguf file. */
    model: z.string().min(1, "--model is required (a catalogue id or a .gguf path)"),
    /** Id to announce instead of the resolved one (e.g. serve a .gguf path under a production id). */
    id: z.string().min(1).optional(),
    modelDir: z.string().min(1).optional(),
    dev: z.boolean().default(false),
    /** With --dev: the dev model every production id is served by (default: each entry's devStandIn). */
    devStandIn: z.string().min(1).optional(),
    /**
     * auto: the GGUF's tokenizer.chat_template decides (a template: node-llama-cpp's chat wrapper;
     * none: raw text); chat-template or raw force it.
     */
    promptFormat: z.enum(["auto", "chat-template", "raw"]).default("auto"),
    quant: z.enum(["q4", "q8"]).optional(),
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** CPU threads for evaluation; keep it explicit (llama.cpp's default is very slow on small VMs). */
    threads: z.number().int().min(1).max(256).default(2),
    /** Parallel sequences in the one context (concurrent generations). */
    parallel: z.number().int().min(1).max(64).default(2),
    /** Context size per sequence; defaults to the catalogue's context length capped at 8192. */
    contextSize: z.number().int().min(16).optional(),
    gpu: z.enum(["auto", "off"]).default("auto"),
    /** Layers to offload when a GPU is used ("auto" lets node-llama-cpp fit them). */
    gpuLayers: z.union([z.literal("auto"), z.literal("max"), z.number().int().min(0)]).default("auto"),
    /** Requests allowed to wait for a free sequence; beyond that the server answers 429. */
    queueSize: z.number().int().min(0).max(10_000).default(16),
    /** Whole-request deadline (queue wait included). */
    timeoutMs: z.number().int().min(1).default(120_000),
    /** How long SIGTERM waits for in-flight generations before cancelling them. */
    drainTimeoutMs: z.number().int().min(0).default(10_000),
    /** Largest max_tokens a request may ask for. */
    maxTokensCap: z.number().int().min(1).default(4096),
    /** Largest accepted request body. */
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    apiKey: z.string().min(1).optional(),
    /** A file holding the API key (Compose and Kubernetes secrets); read at start. */
    apiKeyFile: z.string().min(1).optional(),
    /** Listen beyond loopback without an API key (anyone who reaches the port can use the model). */
    insecureNoAuth: z.boolean().default(false),
    /** Skip the sha256 check at startup (large production files take a while to hash). */
    skipChecksum: z.boolean().default(false),
    promptHashKey: z.string().min(1).optional(),
    /** Also serve POST /v1/embeddings (an embedding context next to the generation one). */
    embeddings: z.boolean().default(false),
  })
  .refine((o) => o.apiKey !== undefined || o.insecureNoAuth || isLoopbackHost(o.host), {
    // Closed by default: a backend other machines can reach answers only with the key.
    message:
      "listening beyond loopback needs an API key: set SWITCHYARD_BACKEND_API_KEY (or --api-key), or pass --insecure-no-auth",
    path: ["apiKey"],
  });

export type BackendOptions = z.output<typeof backendOptionsSchema>;
export type BackendOptionsInput = z.input<typeof backendOptionsSchema>;

/** CLI flag -> environment variable (SWITCHYARD_*) for each setting that has one. */
const ENV_NAMES = {
  model: "SWITCHYARD_MODEL",
  id: "SWITCHYARD_MODEL_ID",
  modelDir: "SWITCHYARD_MODEL_DIR",
  dev: "SWITCHYARD_DEV",
  devStandIn: "SWITCHYARD_DEV_STAND_IN",
  promptFormat: "SWITCHYARD_PROMPT_FORMAT",
  quant: "SWITCHYARD_QUANT",
  host: "SWITCHYARD_HOST",
  port: "SWITCHYARD_PORT",
  threads: "SWITCHYARD_THREADS",
  parallel: "SWITCHYARD_PARALLEL",
  contextSize: "SWITCHYARD_CONTEXT_SIZE",
  gpu: "SWITCHYARD_GPU",
  gpuLayers: "SWITCHYARD_GPU_LAYERS",
  queueSize: "SWITCHYARD_QUEUE_SIZE",
  timeoutMs: "SWITCHYARD_TIMEOUT_MS",
  drainTimeoutMs: "SWITCHYARD_DRAIN_TIMEOUT_MS",
  maxTokensCap: "SWITCHYARD_MAX_TOKENS_CAP",
  bodyLimitBytes: "SWITCHYARD_BODY_LIMIT_BYTES",
  apiKey: "SWITCHYARD_BACKEND_API_KEY",
  apiKeyFile: "SWITCHYARD_BACKEND_API_KEY_FILE",
  insecureNoAuth: "SWITCHYARD_INSECURE_NO_AUTH",
  skipChecksum: "SWITCHYARD_SKIP_CHECKSUM",
  promptHashKey: "SWITCHYARD_PROMPT_HASH_KEY",
  embeddings: "SWITCHYARD_EMBEDDINGS",
} as const satisfies Record<keyof BackendOptions, string>;

type Key = keyof typeof ENV_NAMES;
const BOOLEAN_KEYS = new Set<Key>(["dev", "skipChecksum", "insecureNoAuth", "embeddings"]);
const INTEGER_KEYS = new Set<Key>([
  "port",
  "threads",
  "parallel",
  "contextSize",
  "queueSize",
  "timeoutMs",
  "drainTimeoutMs",
  "maxTokensCap",
  "bodyLimitBytes",
]);

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function coerce(key: Key, raw: string | boolean): unknown {
  if (BOOLEAN_KEYS.has(key)) return raw === true || raw === "1" || raw === "true";
  if (typeof raw !== "string") return raw;
  if (INTEGER_KEYS.has(key)) return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (key === "gpuLayers") return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return raw;
}

/** Help text printed by `--help`. */
export function usage(): string {
  const lines = Object.entries(ENV_NAMES).map(
    ([key, env]) => `  --${kebab(key)}${BOOLEAN_KEYS.has(key as Key) ? "" : " <value>"}  (env ${env})`,
  );
  return ["Usage: npm run backend -- --model <catalogue id | file.gguf> --port <n> [options]", ...lines].join(
    "\n",
  );
}

/**
 * Parses argv (without node/script) and the environment into validated options.
 * Throws an Error with a one-line, user-facing message on bad input.
 */
export function parseBackendOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BackendOptions {
  const flagSpec = Object.fromEntries(
    (Object.keys(ENV_NAMES) as Key[]).map((key) => [
      kebab(key),
      { type: BOOLEAN_KEYS.has(key) ? ("boolean" as const) : ("string" as const) },
    ]),
  );
  const { values } = parseArgs({ args: argv, options: flagSpec, strict: true, allowPositionals: false });
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ENV_NAMES) as Key[]) {
    const fromFlag = values[kebab(key)];
    const fromEnv = env[ENV_NAMES[key]];
    const value = fromFlag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
    if (value !== undefined) raw[key] = coerce(key, value as string | boolean);
  }
  if (raw.apiKey === undefined && typeof raw.apiKeyFile === "string") {
    try {
      raw.apiKey = readFileSync(raw.apiKeyFile, "utf8").trim() || undefined;
    } catch (error) {
      throw new Error(
        `Invalid option --api-key-file: cannot read ${raw.apiKeyFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  }
  const parsed = backendOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `--${kebab(String(issue.path[0]))}: ` : "";
    throw new Error(`Invalid option ${where}${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
