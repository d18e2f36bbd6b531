import { randomBytes } from "node:crypto";
import { LOG_FIELDS } from "../../../vocabulary/log-fields.js";
import { hmacPromptHash } from "../../../vocabulary/prompt-hash.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

/**
 * JSON lines to stdout (or a custom sink): one object per line with time, level and msg.
 *
 * @example createJsonLogger().log("info", "listening", { port: 8081 });
 */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  return {
    log(level, msg, fields = {}) {
      write(
        JSON.stringify({
          [LOG_FIELDS.time]: new Date().toISOString(),
          [LOG_FIELDS.level]: level,
          [LOG_FIELDS.msg]: msg,
          ...fields,
        }),
      );
    },
  };
}

/**
 * The shared prompt hash (vocabulary/prompt-hash.ts: HMAC-SHA256, 64 hex, the edge's too), so logs
 * of both sides can be joined without containing prompts. Without a configured key a random
 * per-process key is used (hashes then only correlate within one process).
 *
 * @example const hashPrompt = createPromptHasher(process.env.SWITCHYARD_PROMPT_HASH_KEY); await hashPrompt("user: hi")
 */
export function createPromptHasher(key: string | undefined): (text: string) => Promise<string> {
  const secret = key ?? randomBytes(32).toString("hex");
  return (text) => hmacPromptHash(secret, text);
}
