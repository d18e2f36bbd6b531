/** One server-sent event (only the fields the proxy uses). */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Incremental SSE parser (WHATWG event-stream rules: LF/CRLF/CR lines, `data:` lines joined
 * with "\n", blank line dispatches, comments ignored).
 *
 * @example
 * const parser = new SseParser();
 * for (const ev of parser.push(decoder.decode(bytes, { stream: true }))) handle(ev);
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event: string | null = null;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      // A trailing lone CR may be the first half of CRLF: wait for more input.
      if (!match || (match[0] === "\r" && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (line === "") {
        if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n") });
        this.data = [];
        this.event = null;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") this.data.push(value);
      else if (field === "event") this.event = value;
    }
    return out;
  }
}

const encoder = new TextEncoder();

/** Encodes one `data:` event. */
export const sseData = (payload: unknown): Uint8Array =>
  encoder.encode(`data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`);
