import type { ToolCall, Usage } from "../../proxy/upstream-stream";

/** A completed reply as stored in the cache: format-neutral, so it replays as JSON or as SSE. */
export interface CachedCompletion {
  model: string;
  content: string;
  toolCalls: ToolCall[];
  finishReason: string;
  usage: Usage | null;
  routeReason: string;
  routeConfidence: number | null;
}

export function parseCachedCompletion(text: string): CachedCompletion | null {
  try {
    const v = JSON.parse(text) as Partial<CachedCompletion>;
    if (typeof v.model === "string" && typeof v.content === "string" && typeof v.finishReason === "string") {
      return {
        model: v.model,
        content: v.content,
        toolCalls: Array.isArray(v.toolCalls) ? v.toolCalls : [],
        finishReason: v.finishReason,
        usage: v.usage ?? null,
        routeReason: typeof v.routeReason === "string" ? v.routeReason : "cache",
        routeConfidence: typeof v.routeConfidence === "number" ? v.routeConfidence : null,
      };
    }
  } catch {
    // A corrupt entry is a miss.
  }
  return null;
}
