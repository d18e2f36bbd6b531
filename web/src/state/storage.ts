import { type ChatSettings, type Conversation, defaultSettings } from "./types";

/** Everything the app keeps lives in this browser's localStorage under these keys, nowhere else. */
export const storageKeys = {
  credential: "switchyard.credential",
  settings: "switchyard.settings",
  conversations: "switchyard.conversations",
  activeConversation: "switchyard.activeConversation",
} as const;

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the app keeps working for this session.
  }
}

export const loadCredential = (): string | null => read<string | null>(storageKeys.credential, null);

export function saveCredential(credential: string | null): void {
  if (credential === null) localStorage.removeItem(storageKeys.credential);
  else write(storageKeys.credential, credential);
}

export const loadSettings = (): ChatSettings => ({
  ...defaultSettings,
  ...read<Partial<ChatSettings>>(storageKeys.settings, {}),
});

export const saveSettings = (settings: ChatSettings): void => write(storageKeys.settings, settings);

/**
 * Loads saved conversations. A reply that was still streaming when the page closed can never
 * finish, so it comes back as stopped rather than as a reply that pretends to be whole.
 */
export function loadConversations(): Conversation[] {
  const conversations = read<Conversation[]>(storageKeys.conversations, []);
  if (!Array.isArray(conversations)) return [];
  return conversations.map((conversation) => ({
    ...conversation,
    messages: conversation.messages.map((message) =>
      message.role === "assistant" && message.status === "streaming"
        ? { ...message, status: "stopped" as const }
        : message,
    ),
  }));
}

export const saveConversations = (conversations: Conversation[]): void =>
  write(storageKeys.conversations, conversations);

export const loadActiveConversationId = (): string | null =>
  read<string | null>(storageKeys.activeConversation, null);

export const saveActiveConversationId = (id: string | null): void =>
  write(storageKeys.activeConversation, id);
