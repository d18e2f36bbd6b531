/**
 * A small, incremental Server-Sent Events parser (WHATWG "event stream" rules) that the
 * load tester uses to time each event as it arrives. Chunks may split anywhere: inside a
 * line, between "\r" and "\n", or inside a multi-byte character (decode with a streaming
 * TextDecoder before feeding).
 *
 * @example
 * const parser = new SseParser();
 * for (const ev of parser.feed('data: {"a":1}\n\n')) console.log(ev.data);
 */
export interface SseEvent {
  /** Value of the last `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines of the event joined with "\n". */
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = "";
  private dataLines: string[] = [];
  private eventName = "";
  private lastId: string | undefined;
  /** A "\r" ended the previous chunk: a "\n" starting the next one belongs to it. */
  private pendingCr = false;

  /** Feeds decoded text; returns the events completed by it, in order. */
  feed(text: string): SseEvent[] {
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (ch === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Ends the stream. An event without its terminating blank line is discarded, as the spec says. */
  end(): void {
    this.buffer = "";
    this.dataLines = [];
    this.eventName = "";
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.dataLines.push(value);
    else if (field === "event") this.eventName = value;
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return null;
  }

  private dispatch(): SseEvent | null {
    if (this.dataLines.length === 0) {
      this.eventName = "";
      return null;
    }
    const ev: SseEvent = { event: this.eventName || "message", data: this.dataLines.join("\n") };
    if (this.lastId !== undefined) ev.id = this.lastId;
    this.dataLines = [];
    this.eventName = "";
    return ev;
  }
}
