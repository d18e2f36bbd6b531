import { tokensPerSecond } from "../state/reply";
import type { AssistantMessage } from "../state/types";
import { formatMs, formatPercent, formatRate } from "./format";

function Item({ label, value, testId }: { label: string; value: string | undefined; testId: string }) {
  if (value === undefined) return null;
  return (
    <span data-testid={testId} className="whitespace-nowrap">
      <span className="text-zinc-500 dark:text-zinc-400">{label} </span>
      <span className="font-medium text-zinc-700 dark:text-zinc-200">{value}</span>
    </span>
  );
}

/** Which model answered, why, and how fast: shown under every reply. */
export function ReplyMeta({ message }: { message: AssistantMessage }) {
  const { route, usage, timing } = message;
  const cache = route?.cache;
  const fallback = route?.fallback;
  return (
    <fieldset className="mt-2 min-w-0 space-y-1 text-xs">
      <legend className="sr-only">Reply details</legend>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        {route?.model && (
          <span
            data-testid="model-badge"
            className="rounded-full bg-sky-100 px-2 py-0.5 font-mono font-medium text-sky-900 dark:bg-sky-900/60 dark:text-sky-100"
            title={message.requestedModel === "auto" ? "Chosen by the router" : "Requested model"}
          >
            {route.model}
          </span>
        )}
        {route && (
          // Policies without a score (round-robin, an explicit model) have no confidence to show.
          <Item
            label="confidence"
            value={formatPercent(route.confidence) ?? "n/a"}
            testId="route-confidence"
          />
        )}
        <Item label="reason" value={route?.reason} testId="route-reason" />
        {cache && (
          <span
            data-testid="cache-status"
            className={
              cache === "HIT"
                ? "rounded bg-emerald-100 px-1.5 py-0.5 font-medium text-emerald-900 dark:bg-emerald-900/60 dark:text-emerald-100"
                : "rounded bg-zinc-100 px-1.5 py-0.5 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
            }
          >
            cache {cache === "HIT" ? "hit" : cache === "MISS" ? "miss" : cache.toLowerCase()}
          </span>
        )}
      </div>
      <div className="flex flex-wrap gap-x-3 gap-y-1">
        <Item label="TTFT" value={formatMs(timing?.ttftMs)} testId="ttft" />
        <Item label="speed" value={formatRate(tokensPerSecond(message))} testId="tokens-per-second" />
        <Item
          label="tokens"
          value={usage ? `${usage.promptTokens} in · ${usage.completionTokens} out` : undefined}
          testId="token-counts"
        />
        <Item
          label="attempts"
          value={route?.attempts !== undefined && route.attempts > 1 ? String(route.attempts) : undefined}
          testId="attempts"
        />
      </div>
      {fallback && (
        <p
          data-testid="fallback"
          className="rounded bg-amber-100 px-2 py-1 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100"
        >
          Fallback: {fallback.from ?? "the first choice"} did not answer
          {fallback.to ? `, ${fallback.to} did` : ""}
          {fallback.reason ? ` (${fallback.reason})` : ""}.
        </p>
      )}
    </fieldset>
  );
}
