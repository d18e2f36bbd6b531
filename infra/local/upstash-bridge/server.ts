/**
 * Upstash REST bridge: the Upstash Redis REST protocol in front of a real redis-server, so the
 * edge's production client (@upstash/redis) runs unchanged against local Redis in dev and CI.
 *
 * Protocol (what @upstash/redis and @upstash/ratelimit use):
 * - `POST /` with a JSON array command -> `{"result": ...}` or `{"error": "..."}` (HTTP 400);
 * - `POST /pipeline` and `POST /multi-exec` with an array of commands -> an array of those objects;
 * - `Authorization: Bearer <token>` on every path (401 otherwise);
 * - `Upstash-Encoding: base64`: every string in a reply is base64, except a simple-string "OK";
 * - Redis error text passes through verbatim (the client looks for "NOSCRIPT").
 * Scripts starting with `#!lua flags=allow-key-locking` (Upstash-only flag, @upstash/ratelimit
 * >= 2.1) are rewritten without it; EVALSHA of the original hash is mapped to the rewritten one.
 *
 * @example
 * UPSTASH_BRIDGE_TOKEN=secret REDIS_URL=redis://127.0.0.1:6379 npx tsx infra/local/upstash-bridge/server.ts
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { createClient, ErrorReply, MultiErrorReply, RESP_TYPES } from "redis";

export interface UpstashBridgeOptions {
  redisUrl: string;
  token: string;
  /** Largest accepted request body in bytes. */
  maxBodyBytes?: number;
}

type Command = string[];
type Reply = { result: unknown } | { error: string };

const UPSTASH_ONLY_FLAG = "allow-key-locking";
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

class BadRequest extends Error {}

/** Starts a bridge (not listening yet); call `listen` on the returned server, `close` to stop. */
export async function createUpstashBridge(opts: UpstashBridgeOptions): Promise<Server> {
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  // RESP2: replies have the shapes Upstash clients expect (flat arrays, no maps or doubles).
  const redis = createClient({ url: opts.redisUrl, RESP: 2 }).withTypeMapping({
    // Bulk strings as bytes so binary values survive base64; simple strings stay JS strings.
    [RESP_TYPES.BLOB_STRING]: Buffer,
  });
  redis.on("error", (err: Error) =>
    console.error(JSON.stringify({ msg: "upstash-bridge redis error", error: err.message })),
  );
  await redis.connect();

  const expectedAuth = Buffer.from(`Bearer ${opts.token}`);
  const scriptShaMap = new Map<string, string>();

  const rewriteScript = (script: string): string => {
    const firstLineEnd = script.indexOf("\n");
    const firstLine = firstLineEnd === -1 ? script : script.slice(0, firstLineEnd);
    const match = /^#!lua\s+flags=(\S*)\s*$/.exec(firstLine);
    if (!match?.[1]?.split(",").includes(UPSTASH_ONLY_FLAG)) return script;
    const flags = match[1].split(",").filter((f) => f !== UPSTASH_ONLY_FLAG && f !== "");
    const rest = firstLineEnd === -1 ? "" : script.slice(firstLineEnd);
    const rewritten = (flags.length > 0 ? `#!lua flags=${flags.join(",")}` : "") + rest;
    scriptShaMap.set(sha1(script), sha1(rewritten));
    return rewritten;
  };

  /** Applies the script rewriting to EVAL / EVALSHA / SCRIPT LOAD / SCRIPT EXISTS. */
  const translate = (command: Command): Command => {
    const name = command[0]?.toUpperCase();
    const sub = command[1]?.toUpperCase();
    const out = [...command];
    if ((name === "EVAL" || name === "EVAL_RO") && out[1] !== undefined) out[1] = rewriteScript(out[1]);
    else if ((name === "EVALSHA" || name === "EVALSHA_RO") && out[1] !== undefined)
      out[1] = scriptShaMap.get(out[1].toLowerCase()) ?? out[1];
    else if (name === "SCRIPT" && sub === "LOAD" && out[2] !== undefined) out[2] = rewriteScript(out[2]);
    else if (name === "SCRIPT" && sub === "EXISTS")
      for (let i = 2; i < out.length; i++)
        out[i] = scriptShaMap.get(String(out[i]).toLowerCase()) ?? String(out[i]);
    return out;
  };

  /** SCRIPT LOAD must answer the hash of the script the client sent, not of the rewrite. */
  const fixScriptLoadReply = (command: Command, result: unknown): unknown =>
    command[0]?.toUpperCase() === "SCRIPT" && command[1]?.toUpperCase() === "LOAD" && command[2] !== undefined
      ? sha1(command[2])
      : result;

  const encode = (value: unknown, base64: boolean): unknown => {
    if (value === null || value === undefined) return null;
    if (Buffer.isBuffer(value)) return base64 ? value.toString("base64") : value.toString("utf8");
    if (typeof value === "string")
      return base64 && value !== "OK" ? Buffer.from(value).toString("base64") : value;
    if (typeof value === "bigint") return Number(value);
    if (Array.isArray(value)) return value.map((v) => encode(v, base64));
    if (value instanceof Map) return [...value.entries()].flat().map((v) => encode(v, base64));
    return value;
  };

  const toReply = (command: Command, settled: PromiseSettledResult<unknown>, base64: boolean): Reply =>
    settled.status === "fulfilled"
      ? settled.value instanceof ErrorReply
        ? { error: settled.value.message }
        : { result: encode(fixScriptLoadReply(command, settled.value), base64) }
      : { error: errorText(settled.reason) };

  const run = (command: Command) => redis.sendCommand(translate(command));

  const runMulti = async (commands: Command[], base64: boolean): Promise<Reply[]> => {
    const multi = redis.multi();
    for (const command of commands) multi.addCommand(translate(command));
    let replies: unknown[];
    try {
      replies = await multi.exec();
    } catch (err) {
      if (!(err instanceof MultiErrorReply)) throw err;
      replies = err.replies;
    }
    return commands.map((command, i) => toReply(command, { status: "fulfilled", value: replies[i] }, base64));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const auth = Buffer.from(req.headers.authorization ?? "");
    if (auth.length !== expectedAuth.length || !timingSafeEqual(auth, expectedAuth)) {
      return send(401, { error: "Unauthorized" });
    }
    if (req.method !== "POST") return send(405, { error: "ERR only POST is supported by this bridge" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = (req.url ?? "/").split("?")[0]?.replace(/\/+$/, "") || "/";
    try {
      const body = parseBody(await readBody(req, maxBodyBytes));
      if (path === "/") {
        const command = toCommand(body);
        const [settled] = await Promise.allSettled([run(command)]);
        const reply = toReply(command, settled as PromiseSettledResult<unknown>, base64);
        return send("error" in reply ? 400 : 200, reply);
      }
      if (path === "/pipeline" || path === "/multi-exec") {
        if (!Array.isArray(body) || body.length === 0)
          throw new BadRequest("ERR expected a non-empty array of commands");
        const commands = body.map(toCommand);
        if (path === "/multi-exec") return send(200, await runMulti(commands, base64));
        const settled = await Promise.allSettled(commands.map(run));
        return send(
          200,
          commands.map((command, i) => toReply(command, settled[i] as PromiseSettledResult<unknown>, base64)),
        );
      }
      return send(404, { error: `ERR unknown path ${path}` });
    } catch (err) {
      return send(400, { error: errorText(err) });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: errorText(err) }));
    });
  });
  server.on("close", () => {
    redis.destroy();
  });
  return server;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BadRequest("ERR request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest("ERR failed to parse command");
  }
}

function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0)
    throw new BadRequest("ERR command must be a non-empty JSON array");
  return value.map((part) => {
    if (typeof part === "string") return part;
    if (typeof part === "number" || typeof part === "boolean") return String(part);
    throw new BadRequest("ERR command arguments must be strings, numbers or booleans");
  });
}

async function main() {
  const token = process.env.UPSTASH_BRIDGE_TOKEN ?? process.env.UPSTASH_REDIS_REST_TOKEN;
  if (!token) throw new Error("set UPSTASH_BRIDGE_TOKEN (the Bearer token clients must send)");
  const port = Number(process.env.UPSTASH_BRIDGE_PORT ?? 8079);
  const host = process.env.UPSTASH_BRIDGE_HOST ?? "127.0.0.1";
  const server = await createUpstashBridge({
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    token,
  });
  server.listen(port, host, () =>
    console.log(JSON.stringify({ msg: "upstash-bridge listening", host, port })),
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => server.close(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
