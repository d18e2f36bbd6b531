import type { ReplyFormat, ReplyMeta } from "./format";

/** Stands in for the content while a template is made; JSON-escaped, it cannot occur in a reply's other fields. */
const SENTINEL = "\u0000switchyard-chunk-content\u0000";
const SENTINEL_JSON = JSON.stringify(SENTINEL);

/**
 * Serialises content chunks of one reply as `format.chunk` would, byte for byte, without
 * building and stringifying an object per chunk: the chunk's JSON is made once with a sentinel
 * for the content and split around it, then each chunk is prefix + the content as a JSON string
 * + suffix. Re-made when the reply's model changes (a continuation on another backend).
 *
 * @example
 * const text = chunkText(format, meta);
 * text("Once", true) === JSON.stringify(format.chunk(meta, "Once", true)); // true
 */
export function chunkText(format: ReplyFormat, meta: ReplyMeta): (content: string, first: boolean) => string {
  let model: string | null = null;
  const templates: Array<[string, string] | null> = [null, null];
  return (content, first) => {
    if (meta.model !== model) {
      model = meta.model;
      templates[0] = null;
      templates[1] = null;
    }
    const slot = first ? 1 : 0;
    let template = templates[slot];
    if (!template) {
      const whole = JSON.stringify(format.chunk(meta, SENTINEL, first));
      const at = whole.indexOf(SENTINEL_JSON);
      // A format that does not carry the content verbatim once: no template, plain serialisation.
      if (at === -1 || whole.indexOf(SENTINEL_JSON, at + 1) !== -1)
        return JSON.stringify(format.chunk(meta, content, first));
      template = [whole.slice(0, at), whole.slice(at + SENTINEL_JSON.length)];
      templates[slot] = template;
    }
    return template[0] + JSON.stringify(content) + template[1];
  };
}
