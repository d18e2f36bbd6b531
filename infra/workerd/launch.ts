/**
 * The command line that serves the edge on workerd (infra/workerd/switchyard.capnp), shared by
 * `npm start`, the bench and the tests so that they all measure and exercise one runtime. The
 * caller spawns it with its own process helper; settings travel in the environment (workerd's
 * fromEnvironment bindings), never in a file.
 *
 * @example
 * await buildWorkerdEdge();
 * const edge = workerdEdgeCommand({ port: 8787, stateDir: ".wrangler/workerd", vars: { SWITCHYARD_BACKENDS: "{...}" } });
 * spawn(edge.command, edge.args, { env: edge.env });
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EnvSchema } from "../../edge/src/config/schema";
import { REPO_DIR, WORKERD_CONFIG } from "./build";

export interface WorkerdEdgeOptions {
  /** TCP port of the edge's HTTP socket. */
  port: number;
  /** Interface to listen on; default 127.0.0.1 (0.0.0.0 in containers). */
  host?: string;
  /** Directory for the metrics Durable Object's storage (created if missing). */
  stateDir: string;
  /** The built web app; default web/dist. */
  assetsDir?: string;
  /** Edge settings (SWITCHYARD_*, UPSTASH_*, DATABASE_URL): the only edge settings workerd sees. */
  vars: Record<string, string>;
  /** Opens workerd's V8 inspector on this port (for CPU profiles). */
  inspectorPort?: number;
  /** Environment for anything else (PATH, locale); default this process's, minus edge settings. */
  baseEnv?: NodeJS.ProcessEnv;
}

export interface WorkerdEdgeCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const EDGE_SETTING_NAMES = new Set(Object.keys(EnvSchema.shape));

/** The workerd binary of the npm package `workerd` (its install script puts the native one there). */
export function workerdBinary(): string {
  return join(dirname(createRequire(import.meta.url).resolve("workerd/package.json")), "bin", "workerd");
}

/** workerd's command line and environment for the edge; run `buildWorkerdEdge()` first. */
export function workerdEdgeCommand(opts: WorkerdEdgeOptions): WorkerdEdgeCommand {
  const unknown = Object.keys(opts.vars).filter((name) => !EDGE_SETTING_NAMES.has(name));
  if (unknown.length > 0)
    throw new Error(`not edge settings (edge/src/config/schema.ts): ${unknown.join(", ")}`);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.baseEnv ?? process.env))
    if (value !== undefined && !EDGE_SETTING_NAMES.has(key)) env[key] = value;
  Object.assign(env, opts.vars);
  const args = [
    "serve",
    WORKERD_CONFIG,
    "--directory-path",
    `web-assets=${opts.assetsDir ?? join(REPO_DIR, "web", "dist")}`,
    "--directory-path",
    `do-storage=${opts.stateDir}`,
    "--socket-addr",
    `http=${opts.host ?? "127.0.0.1"}:${opts.port}`,
    // Without it workerd drops the worker's console output: the JSON request log lines.
    "--verbose",
    ...(opts.inspectorPort ? ["--inspector-addr", `127.0.0.1:${opts.inspectorPort}`] : []),
  ];
  mkdirSync(opts.stateDir, { recursive: true });
  return { command: workerdBinary(), args, env };
}
