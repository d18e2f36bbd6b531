import type { Conversation } from "../state/types";

interface SidebarProps {
  conversations: Conversation[];
  activeId: string | undefined;
  onNew: () => void;
  onSelect: (id: string) => void;
  onRemove: (id: string) => void;
}

/** Saved conversations (this browser only) and "New chat". */
export function Sidebar({ conversations, activeId, onNew, onSelect, onRemove }: SidebarProps) {
  return (
    <nav aria-label="Conversations" className="flex h-full flex-col gap-2 p-3">
      <button
        type="button"
        onClick={onNew}
        className="rounded-lg border border-zinc-300 px-3 py-2 text-left font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
      >
        + New chat
      </button>
      <ul className="flex-1 space-y-1 overflow-y-auto">
        {conversations.map((conversation) => (
          <li key={conversation.id} className="group flex items-center">
            <button
              type="button"
              onClick={() => onSelect(conversation.id)}
              aria-current={conversation.id === activeId ? "page" : undefined}
              className={`flex-1 truncate rounded-md px-2 py-1.5 text-left text-sm ${
                conversation.id === activeId
                  ? "bg-sky-100 font-medium dark:bg-sky-900/50"
                  : "hover:bg-zinc-100 dark:hover:bg-zinc-800"
              }`}
            >
              {conversation.title}
            </button>
            <button
              type="button"
              onClick={() => onRemove(conversation.id)}
              aria-label={`Delete conversation: ${conversation.title}`}
              className="ml-1 rounded px-1.5 text-zinc-400 hover:text-red-600 focus:opacity-100 sm:opacity-0 sm:group-hover:opacity-100"
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">Conversations are kept only in this browser.</p>
    </nav>
  );
}
