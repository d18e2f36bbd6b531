import { createHmac, randomBytes } from "node:crypto";

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
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
    },
  };
}

/**
 * HMAC-SHA256 of prompt text, so logs can correlate identical prompts without containing them.
 * Without a configured key a random per-process key is used (hashes then only correlate within one process).
 *
 * @example const hashPrompt = createPromptHasher(process.env.SWITCHYARD_PROMPT_HASH_KEY); hashPrompt("hi")
 */
export function createPromptHasher(key: string | undefined): (text: string) => string {
  const secret = key ?? randomBytes(32).toString("hex");
  return (text) => createHmac("sha256", secret).update(text).digest("hex").slice(0, 32);
}
