import type { RequestLogSink } from "./request-record";

/**
 * The embedded request log: one JSON line per record (`{"msg":"request",...record}`), by default
 * on stdout via console.log, which `wrangler dev`, `wrangler tail` and Workers Logs all capture.
 * Never throws.
 *
 * @example
 * const sink = createJsonLinesSink();
 * ctx.waitUntil(sink.write(record));
 */
export function createJsonLinesSink(
  write: (line: string) => void = (line) => console.log(line),
): RequestLogSink {
  return {
    async write(record) {
      try {
        write(JSON.stringify({ msg: "request", ...record }));
      } catch {
        // A log line must never fail a request.
      }
    },
  };
}
