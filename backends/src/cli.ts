import { parseBackendOptions, usage } from "./config.js";
import { createBackendServer } from "./server.js";
import { createJsonLogger } from "./telemetry/logger.js";

/**
 * `npm run backend -- --model <id | file.gguf> --port <n> [...]`: serve one model until SIGTERM/SIGINT.
 * Exit codes: 0 after a graceful stop, 1 when the model cannot be loaded, 2 on bad options.
 */
async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const fail = (code: number, message: string): never => {
    process.stderr.write(`switchyard-backend: ${message}\n`);
    process.exit(code);
  };
  let options: ReturnType<typeof parseBackendOptions>;
  try {
    options = parseBackendOptions(argv);
  } catch (error) {
    return fail(2, `${(error as Error).message} (see --help)`);
  }
  const logger = createJsonLogger();
  let server: ReturnType<typeof createBackendServer>;
  try {
    server = createBackendServer(options, { logger });
  } catch (error) {
    return fail(1, (error as Error).message);
  }
  const { url } = await server
    .listen()
    .catch((error: Error) => fail(1, `cannot listen on ${options.host}:${options.port}: ${error.message}`));
  logger.log("info", "listening", { url, model: server.modelId });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "draining", { signal, drain_timeout_ms: options.drainTimeoutMs });
    server.close().then(
      () => {
        logger.log("info", "stopped", {});
        process.exit(0);
      },
      (error: Error) => fail(1, `shutdown failed: ${error.message}`),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  await server.load().catch((error: Error) => fail(1, error.message));
  logger.log("info", "ready", { url, model: server.modelId });
}

void main(process.argv.slice(2));
