/**
 * Model server (one GGUF per process) on node-llama-cpp + Hono.
 *
 * @example
 * import { createBackendServer } from "@switchyard/backends";
 * const server = createBackendServer({ model: "stories260k", port: 0, threads: 1 });
 * await server.listen(); await server.load();
 */
export { createApp } from "./app.js";
export { type BackendOptions, type BackendOptionsInput, parseBackendOptions } from "./config.js";
export { type BackendServer, createBackendServer } from "./server.js";
