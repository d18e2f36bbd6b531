import { createParser } from "eventsource-parser";

/** One server-sent event (only the fields the proxy uses). */
export interface SseEvent {
  event: string | null;
  data: string;
}

/**
 * Incremental SSE parser over eventsource-parser (WHATWG event-stream rules: LF/CRLF/CR lines,
 * even split across chunks; `data:` lines joined with "\n"; a blank line dispatches).
 *
 * @example
 * const parser = new SseParser();
 * for (const ev of parser.push(decoder.decode(bytes, { stream: true }))) handle(ev);
 */
export class SseParser {
  private readonly ready: SseEvent[] = [];
  private readonly parser = createParser({
    onEvent: (message) => this.ready.push({ event: message.event ?? null, data: message.data }),
  });

  /** Feeds decoded text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    this.parser.feed(text);
    return this.ready.splice(0);
  }
}

const encoder = new TextEncoder();

/** One `data:` event as text (a string payload is sent as it is, anything else as JSON). */
export const sseText = (payload: unknown): string =>
  `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;

/** Encodes one `data:` event. */
export const sseData = (payload: unknown): Uint8Array => encoder.encode(sseText(payload));
