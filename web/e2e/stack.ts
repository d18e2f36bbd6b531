import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freePort, launch, type Started, stop, waitForUrl } from "./processes";

export const repoRoot = resolve(import.meta.dirname, "../..");
const tsxLoader = join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs");
const modelDir = process.env.SWITCHYARD_MODEL_DIR ?? resolve(repoRoot, "../shared/models");
const backendReadyMs = 240_000;
// `npm start` builds the web app first (prestart), then waits for wrangler.
const edgeReadyMs = 300_000;

/** Settings for the local stack the browser test drives. */
export interface StackOptions {
  /** Roster model ids to serve, each by a real backend on its dev stand-in. */
  models: string[];
  /** Dev model per roster id instead of the catalogue's stand-in (tiny ones where speed matters). */
  standIns?: Record<string, string>;
  /** Extra worker settings (SWITCHYARD_*), e.g. a tiny rate-limit bucket. */
  edgeEnv?: Record<string, string>;
}

export interface Stack {
  edgeUrl: string;
  backends: Record<string, string>;
  jwtSecret: string;
  /** Mints a development JWT with the repository's own tool (`npm run token`). */
  token: (subject: string) => Promise<string>;
  /** Stops one model's backend (the demo's forced fallback); the rest keeps running. */
  stopBackend: (model: string) => Promise<void>;
  stop: () => Promise<void>;
}

/** What the real stack needs on this machine; the reason it cannot run, or null. */
export function missingPrerequisite(chromiumPath: string): string | null {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath} (apt-get install -y chromium)`;
  if (
    !existsSync(join(modelDir, "stories260K.gguf")) ||
    !existsSync(join(modelDir, "llama-2-tiny-random.gguf"))
  )
    return `no tiny GGUF models in ${modelDir}`;
  return null;
}

/** Environment without the shared services: this stack keeps its state in memory. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Vitest sets NODE_ENV=test, which would make `vite build` (prestart) bundle React's dev build.
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) {
    if (/^(SWITCHYARD_|UPSTASH_REDIS_REST_|DATABASE_URL$|OTEL_EXPORTER_OTLP_ENDPOINT$)/.test(key))
      delete env[key];
  }
  return env;
}

/**
 * Starts real backends on free ports, then `npm start -- --port <free>` in front of them
 * (SWITCHYARD_BACKENDS tells it to use these backends instead of the default 8081-8085).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const started: Started[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((process) => stop(process)));
  };
  try {
    const backends: Record<string, string> = {};
    const backendProcesses: Record<string, Started> = {};
    const backendsReady: Promise<void>[] = [];
    for (const model of options.models) {
      const port = await freePort();
      const backend = launch(
        `backend ${model}`,
        process.execPath,
        [
          "--import",
          tsxLoader,
          "backends/src/cli.ts",
          "--model",
          model,
          "--port",
          String(port),
          "--dev",
          "--threads",
          "1",
          ...(options.standIns?.[model] ? ["--dev-stand-in", options.standIns[model]] : []),
        ],
        {
          cwd: repoRoot,
          env: {
            ...isolatedEnv(),
            SWITCHYARD_DEV: "1",
            SWITCHYARD_THREADS: "1",
            SWITCHYARD_MODEL_DIR: modelDir,
          },
        },
      );
      started.push(backend);
      backendProcesses[model] = backend;
      backends[model] = `http://127.0.0.1:${port}`;
      backendsReady.push(waitForUrl(`${backends[model]}/ready`, backendReadyMs, backend));
    }
    await Promise.all(backendsReady);

    const jwtSecret = randomBytes(32).toString("hex");
    const edgePort = await freePort();
    const stackEnv = {
      ...isolatedEnv(),
      SWITCHYARD_BACKENDS: JSON.stringify(backends),
      SWITCHYARD_JWT_SECRET: jwtSecret,
      // Set so that `npm start` generates nothing into the developer's .dev.vars.
      SWITCHYARD_API_KEYS: `web-e2e:${randomBytes(32).toString("hex")}`,
      SWITCHYARD_PROMPT_HASH_KEY: randomBytes(32).toString("hex"),
      SWITCHYARD_METRICS_TOKEN: randomBytes(16).toString("hex"),
      // The browser signs in through POST /dev/token, which configured keys switch off unless asked.
      SWITCHYARD_DEV_TOKENS: "true",
      ...options.edgeEnv,
    };
    const edge = launch("npm start", "npm", ["start", "--", "--port", String(edgePort)], {
      cwd: repoRoot,
      env: stackEnv,
    });
    started.push(edge);
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    await waitForUrl(`${edgeUrl}/health`, edgeReadyMs, edge);

    const run = promisify(execFile);
    const token = async (subject: string) => {
      const { stdout } = await run("npm", ["run", "-s", "token", "--", "--sub", subject], {
        cwd: repoRoot,
        env: { ...isolatedEnv(), SWITCHYARD_JWT_SECRET: jwtSecret },
      });
      return stdout.trim();
    };
    const stopBackend = async (model: string) => {
      const backend = backendProcesses[model];
      if (!backend) throw new Error(`no backend for ${model}`);
      await stop(backend);
    };
    return { edgeUrl, backends, jwtSecret, token, stopBackend, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
