/**
 * The spliced stream: how the edge and our backends agree that a streamed reply can go to the
 * client byte for byte, without the edge's JavaScript touching each chunk. On workerd a stream
 * read or written from JavaScript costs tens of microseconds per chunk; a body piped between
 * native streams costs almost nothing (bench/report.md, gateway overhead).
 *
 * The edge asks with the request header {@link SPLICE_HEADER} (a {@link SpliceRequest}); a
 * backend that speaks the protocol answers with the same header set to "1" and then:
 * - writes every chunk as the client must see it (the edge's id, created and model);
 * - sends the role chunk only when asked (`role`: a continuation carries on an answer);
 * - ends with a {@link SPLICE_END} comment instead of its finish chunk, usage chunk and [DONE],
 *   so that the edge can add its own closing chunks (finish reason, usage, `switchyard`);
 * - reports a failure after the first byte as a {@link SPLICE_ERROR} comment, never as an error
 *   event (which would reach the client before the edge could continue the answer elsewhere).
 * SSE comments are ignored by every client's parser. An upstream that does not answer the
 * header is relayed chunk by chunk, as any OpenAI-compatible server.
 */
export const SPLICE_HEADER = "x-switchyard-splice";

export interface SpliceRequest {
  id: string;
  created: number;
  model: string;
  /** Send the opening chunk with the assistant role (false for a continuation). */
  role: boolean;
}

export interface SpliceEnd {
  finish_reason: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface SpliceError {
  code: string;
  message: string;
}

export const SPLICE_END = ": switchyard-end ";
export const SPLICE_ERROR = ": switchyard-error ";

/** The request header's value, or null when absent or not a valid request (then: no splicing). */
export function parseSpliceRequest(value: string | null | undefined): SpliceRequest | null {
  if (!value) return null;
  try {
    const r = JSON.parse(value) as Partial<SpliceRequest>;
    return typeof r.id === "string" &&
      typeof r.created === "number" &&
      typeof r.model === "string" &&
      typeof r.role === "boolean"
      ? { id: r.id, created: r.created, model: r.model, role: r.role }
      : null;
  } catch {
    return null;
  }
}

/** The closing comment event of a spliced stream. */
export const spliceEndEvent = (end: SpliceEnd): string => `${SPLICE_END}${JSON.stringify(end)}\n\n`;

/** The comment event a spliced stream ends with when generation failed after the first byte. */
export const spliceErrorEvent = (error: SpliceError): string =>
  `${SPLICE_ERROR}${JSON.stringify({ code: error.code, message: error.message })}\n\n`;

/** Reads a closing comment (one event's text, without its blank line); null if it is none. */
export function parseSpliceComment(
  event: string,
): { kind: "end"; end: SpliceEnd } | { kind: "error"; error: SpliceError } | null {
  const kind = event.startsWith(SPLICE_END) ? "end" : event.startsWith(SPLICE_ERROR) ? "error" : null;
  if (kind === null) return null;
  try {
    const body = JSON.parse(event.slice(kind === "end" ? SPLICE_END.length : SPLICE_ERROR.length)) as Record<
      string,
      unknown
    >;
    if (kind === "error")
      return {
        kind,
        error: {
          code: typeof body.code === "string" ? body.code : "upstream_error",
          message: typeof body.message === "string" ? body.message : "generation failed",
        },
      };
    const usage = body.usage as SpliceEnd["usage"] | undefined;
    if (typeof body.finish_reason !== "string" || typeof usage?.prompt_tokens !== "number") return null;
    return {
      kind,
      end: {
        finish_reason: body.finish_reason,
        usage: {
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
        },
      },
    };
  } catch {
    return null;
  }
}
