import type { FailureKind } from "../api/errors";
import type { ReplyFailure } from "../state/types";
import { formatSeconds } from "./format";
import { useCountdown } from "./useCountdown";

const titles: Record<FailureKind, string> = {
  rate_limited: "Rate limited",
  unavailable: "Model unavailable",
  unauthorized: "Sign-in rejected",
  forbidden: "Not allowed",
  bad_request: "Request rejected",
  offline: "You are offline",
  stream_error: "The reply failed partway",
  server_error: "Gateway error",
};

interface FailureNoticeProps {
  failure: ReplyFailure;
  onRetry?: () => void;
  onSignOut?: () => void;
}

/** Says plainly why a reply failed and what to do next. */
export function FailureNotice({ failure, onRetry, onSignOut }: FailureNoticeProps) {
  const secondsLeft = useCountdown(failure.retryAt);
  const waiting = secondsLeft > 0;
  return (
    <div
      role="alert"
      data-testid={`failure-${failure.kind}`}
      className="mt-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
    >
      <p className="font-semibold">{titles[failure.kind]}</p>
      <p>{failure.message}</p>
      {failure.kind === "stream_error" && (
        <p className="text-xs opacity-80">The text above is incomplete; it is not a finished answer.</p>
      )}
      {failure.retryAfterSeconds !== undefined && (
        <p data-testid="retry-after">
          {waiting ? `You can retry in ${formatSeconds(secondsLeft)}.` : "You can retry now."}
        </p>
      )}
      <div className="mt-1 flex gap-2">
        {onRetry && failure.kind !== "unauthorized" && failure.kind !== "forbidden" && (
          <button
            type="button"
            onClick={onRetry}
            disabled={waiting}
            className="rounded border border-red-400 px-2 py-0.5 text-xs font-medium hover:bg-red-100 disabled:opacity-50 dark:hover:bg-red-900"
          >
            Retry
          </button>
        )}
        {onSignOut && failure.kind === "unauthorized" && (
          <button
            type="button"
            onClick={onSignOut}
            className="rounded border border-red-400 px-2 py-0.5 text-xs font-medium hover:bg-red-100 dark:hover:bg-red-900"
          >
            Sign in again
          </button>
        )}
      </div>
    </div>
  );
}
