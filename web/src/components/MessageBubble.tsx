import type { ChatMessage } from "../state/types";
import { FailureNotice } from "./FailureNotice";
import { Markdown } from "./Markdown";
import { ReplyMeta } from "./ReplyMeta";

interface MessageBubbleProps {
  message: ChatMessage;
  /** Only the last reply offers a retry. */
  onRetry?: () => void;
  onSignOut?: () => void;
}

export function MessageBubble({ message, onRetry, onSignOut }: MessageBubbleProps) {
  if (message.role === "user") {
    return (
      <li className="flex justify-end" data-testid="user-message">
        <div className="max-w-[85%] rounded-2xl rounded-br-sm bg-sky-600 px-4 py-2 whitespace-pre-wrap text-white">
          <span className="sr-only">You: </span>
          {message.content}
        </div>
      </li>
    );
  }
  const waiting = message.status === "streaming" && message.content === "";
  return (
    <li className="flex justify-start" data-testid="assistant-message" data-status={message.status}>
      <div className="max-w-[95%] min-w-0 rounded-2xl rounded-bl-sm bg-zinc-100 px-4 py-2 sm:max-w-[85%] dark:bg-zinc-800">
        <span className="sr-only">Assistant: </span>
        {waiting ? (
          <span className="inline-flex gap-1 py-2" role="status" aria-label="Waiting for the first token">
            <span className="size-2 animate-bounce rounded-full bg-zinc-400" />
            <span className="size-2 animate-bounce rounded-full bg-zinc-400 [animation-delay:150ms]" />
            <span className="size-2 animate-bounce rounded-full bg-zinc-400 [animation-delay:300ms]" />
          </span>
        ) : (
          <div data-testid="reply-text" aria-busy={message.status === "streaming"}>
            <Markdown text={message.content} />
          </div>
        )}
        {message.status === "stopped" && (
          <p data-testid="stopped" className="mt-1 text-xs text-zinc-500 italic dark:text-zinc-400">
            Stopped.{" "}
            {onRetry && (
              <button type="button" className="underline" onClick={onRetry}>
                Regenerate
              </button>
            )}
          </p>
        )}
        {message.failure && (
          <FailureNotice failure={message.failure} onRetry={onRetry} onSignOut={onSignOut} />
        )}
        {(message.route || message.timing?.ttftMs !== undefined) && <ReplyMeta message={message} />}
      </div>
    </li>
  );
}
