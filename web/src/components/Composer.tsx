import { type FormEvent, type KeyboardEvent, useState } from "react";

interface ComposerProps {
  streaming: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** The message box: Enter sends, Shift+Enter makes a new line; Stop while a reply streams. */
export function Composer({ streaming, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (streaming || !text.trim()) return;
    onSend(text);
    setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form
      onSubmit={submit}
      className="flex items-end gap-2 border-t border-zinc-200 p-3 dark:border-zinc-800"
    >
      <label htmlFor="prompt" className="sr-only">
        Message
      </label>
      <textarea
        id="prompt"
        rows={2}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask anything. Enter to send, Shift+Enter for a new line."
        className="max-h-48 min-h-[2.75rem] flex-1 resize-y rounded-lg border border-zinc-300 bg-white px-3 py-2 focus:border-sky-500 focus:ring-2 focus:ring-sky-500/40 focus:outline-none dark:border-zinc-700 dark:bg-zinc-900"
      />
      {streaming ? (
        <button
          type="button"
          onClick={onStop}
          className="rounded-lg bg-red-600 px-4 py-2 font-medium text-white hover:bg-red-700 focus-visible:ring-2 focus-visible:ring-red-400 focus-visible:outline-none"
        >
          Stop
        </button>
      ) : (
        <button
          type="submit"
          disabled={!text.trim()}
          className="rounded-lg bg-sky-600 px-4 py-2 font-medium text-white hover:bg-sky-700 focus-visible:ring-2 focus-visible:ring-sky-400 focus-visible:outline-none disabled:opacity-50"
        >
          Send
        </button>
      )}
    </form>
  );
}
