import { LOG_FIELDS } from "../../../vocabulary/log-fields";
import { logFieldsOf, type RequestLogSink } from "./request-record";

export interface JsonLinesSinkOptions {
  /** Writes a batch of lines (default: one console.log of the lines joined by "\n"). */
  writeBatch?: (lines: string[]) => void;
  /** Records arriving within this window share one write (0: each record is written at once). */
  flushMs?: number;
  /** A batch is written as soon as it holds this many lines. */
  maxLines?: number;
}

/**
 * The embedded request log: one JSON line per record (`{"msg":"request",...record}` with the snake_case names of REQUEST_LOG_COLUMNS), by default
 * on stdout via console.log, which workerd, `wrangler dev`, `wrangler tail` and Workers Logs all
 * capture. Lines are batched: the records of a short window (50 ms) go out in one console.log,
 * since each call crosses into the runtime and its logging; still one line per record. `write`
 * resolves when its line is written (pass it to waitUntil). Never throws.
 *
 * @example
 * const sink = createJsonLinesSink();
 * ctx.waitUntil(sink.write(record));
 */
export function createJsonLinesSink(options: JsonLinesSinkOptions = {}): RequestLogSink {
  const writeBatch = options.writeBatch ?? ((lines) => console.log(lines.join("\n")));
  const flushMs = options.flushMs ?? 50;
  const maxLines = options.maxLines ?? 64;
  let lines: string[] = [];
  let written: Promise<void> | undefined;
  let release: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = lines;
    const done = release;
    lines = [];
    written = undefined;
    release = undefined;
    try {
      if (batch.length > 0) writeBatch(batch);
    } catch {
      // A log line must never fail a request.
    }
    done?.();
  };

  return {
    write(record) {
      let line: string;
      try {
        line = JSON.stringify({ [LOG_FIELDS.msg]: "request", ...logFieldsOf(record) });
      } catch {
        return Promise.resolve();
      }
      lines.push(line);
      if (flushMs <= 0 || lines.length >= maxLines) {
        const pending = written ?? Promise.resolve();
        flush();
        return pending;
      }
      if (!written) {
        written = new Promise<void>((resolve) => {
          release = resolve;
        });
        timer = setTimeout(flush, flushMs);
      }
      return written;
    },
  };
}
