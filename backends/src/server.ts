import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Hono } from "hono";
import { createApp } from "./app.js";
import type { AppEnv } from "./app-env.js";
import { type BackendOptions, type BackendOptionsInput, backendOptionsSchema } from "./config.js";
import { Embedder } from "./engine/embedder.js";
import { ModelRuntime } from "./engine/model-runtime.js";
import { ModelLoadError, resolveModelSource } from "./model/load-model.js";
import { createJsonLogger, createPromptHasher, type Logger } from "./telemetry/logger.js";
import { type BackendMetrics, createBackendMetrics } from "./telemetry/metrics.js";
import { createTracing } from "./telemetry/tracing.js";

export interface BackendServerExtras {
  logger?: Logger;
  /** Extra span exporter (tests use an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

export interface BackendServer {
  options: BackendOptions;
  modelId: string;
  app: Hono<AppEnv>;
  runtime: ModelRuntime;
  metrics: BackendMetrics;
  /** Loads the model; /ready answers 503 until it resolves. Rejects with ModelLoadError. */
  load(): Promise<void>;
  /** Starts the HTTP server (port 0 picks a free port). */
  listen(): Promise<{ port: number; url: string }>;
  /** Graceful stop: refuse new connections and requests, drain or cancel in-flight work, free the model. */
  close(): Promise<void>;
}

/**
 * Builds one model server without loading the model yet, so callers (and tests) can observe
 * the loading state. Throws ModelLoadError at once for an unknown id or a missing file.
 *
 * @example
 * const server = createBackendServer({ model: "stories260k", port: 0, threads: 1, contextSize: 512 });
 * const { url } = await server.listen(); await server.load();
 */
export function createBackendServer(
  input: BackendOptionsInput,
  extras: BackendServerExtras = {},
): BackendServer {
  const options = backendOptionsSchema.parse(input);
  const modelId = resolveModelSource(options).id;
  const logger = extras.logger ?? createJsonLogger();
  const metrics = createBackendMetrics(modelId);
  const tracing = createTracing({
    serviceName: `switchyard-backend-${modelId}`,
    ...(extras.spanExporter ? { exporter: extras.spanExporter } : {}),
  });
  const runtime = new ModelRuntime(options, metrics);
  const embedder = options.embeddings
    ? new Embedder({ threads: options.threads, contextSize: options.contextSize ?? 2048 })
    : undefined;
  const app = createApp({
    embedder,
    runtime,
    metrics,
    limits: { maxTokensCap: options.maxTokensCap },
    hashPrompt: createPromptHasher(options.promptHashKey),
    modelId,
    logger,
    tracing,
    apiKey: options.apiKey,
    bodyLimitBytes: options.bodyLimitBytes,
  });
  let httpServer: ReturnType<typeof serve> | undefined;
  let closing: Promise<void> | undefined;

  return {
    options,
    modelId,
    app,
    runtime,
    metrics,
    async load() {
      const loaded = await runtime.load();
      await embedder?.load(loaded.model).catch((error: unknown) => {
        throw new ModelLoadError(
          `Cannot create an embedding context: ${(error as Error).message.split("\n")[0]}`,
        );
      });
      logger.log("info", "model loaded", {
        model: modelId,
        path: loaded.resolved.path,
        dev_stand_in: loaded.resolved.isDevStandIn,
        context_size: loaded.contextSize,
        parallel: options.parallel,
        threads: options.threads,
        gpu: loaded.gpu,
        prompt_format: runtime.promptFormat,
        prompt_format_source: loaded.promptFormatSource,
        embeddings: embedder !== undefined,
        ...(loaded.resolved.promptFormat !== null && loaded.resolved.promptFormat !== loaded.promptFormat
          ? { catalogue_prompt_format: loaded.resolved.promptFormat }
          : {}),
      });
    },
    listen() {
      return new Promise((resolve, reject) => {
        const server = serve(
          { fetch: app.fetch, port: options.port, hostname: options.host },
          (info: AddressInfo) => {
            const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
            resolve({ port: info.port, url: `http://${host}:${info.port}` });
          },
        );
        server.once("error", reject);
        httpServer = server;
      });
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => {
          if (!httpServer?.listening) return resolve();
          httpServer.close(() => resolve());
        });
        await runtime.drain(options.drainTimeoutMs);
        await embedder?.dispose().catch(() => {});
        // Streams have ended by now; drop keep-alive sockets that still linger.
        if (httpServer && "closeAllConnections" in httpServer) httpServer.closeAllConnections();
        await stopped;
        await tracing.shutdown();
      })();
      return closing;
    },
  };
}
