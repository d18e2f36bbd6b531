import { useCallback, useEffect, useRef, useState } from "react";
import type { GatewayClient } from "../api/client";
import type { ChatCompletionRequest, ChatMessageInput } from "../api/types";
import { newId } from "./ids";
import { streamReply } from "./reply";
import {
  loadActiveConversationId,
  loadConversations,
  saveActiveConversationId,
  saveConversations,
} from "./storage";
import type { AssistantMessage, ChatMessage, ChatSettings, Conversation } from "./types";

const titleLength = 48;

function titleFor(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > titleLength ? `${line.slice(0, titleLength - 1)}…` : line || "New chat";
}

/** The conversation as the model sees it: system prompt, then user turns and finished replies. */
export function requestMessages(messages: ChatMessage[], systemPrompt: string): ChatMessageInput[] {
  const history: ChatMessageInput[] = [];
  if (systemPrompt.trim()) history.push({ role: "system", content: systemPrompt.trim() });
  for (const message of messages) {
    if (message.role === "user") history.push({ role: "user", content: message.content });
    // Failed replies are left out; a stopped reply is what the user saw, so it stays as context.
    else if ((message.status === "done" || message.status === "stopped") && message.content)
      history.push({ role: "assistant", content: message.content });
  }
  return history;
}

export function buildRequest(messages: ChatMessage[], settings: ChatSettings): ChatCompletionRequest {
  return {
    model: settings.model,
    messages: requestMessages(messages, settings.systemPrompt),
    stream: true,
    stream_options: { include_usage: true },
    temperature: settings.temperature,
    max_tokens: settings.maxTokens,
  };
}

export interface ChatState {
  conversations: Conversation[];
  active: Conversation | undefined;
  streaming: boolean;
  send: (text: string) => void;
  stop: () => void;
  /** Asks again for the last reply (after a failure or a stop). */
  retry: () => void;
  newChat: () => void;
  select: (id: string) => void;
  remove: (id: string) => void;
}

/**
 * Conversations, kept in localStorage, and the one reply that may be streaming.
 *
 * @example
 * const chat = useChat(client, credential, settings);
 * chat.send("Hello");
 */
export function useChat(client: GatewayClient, credential: string, settings: ChatSettings): ChatState {
  const [conversations, setConversations] = useState<Conversation[]>(loadConversations);
  const [activeId, setActiveId] = useState<string | null>(loadActiveConversationId);
  const [streaming, setStreaming] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => {
    saveConversations(conversations);
  }, [conversations]);
  useEffect(() => {
    saveActiveConversationId(activeId);
  }, [activeId]);
  // Leaving the page (or signing out) stops the stream, which cancels the generation upstream.
  useEffect(() => () => abortRef.current?.abort(), []);

  const active = conversations.find((conversation) => conversation.id === activeId);

  const updateMessage = useCallback(
    (conversationId: string, messageId: string, patch: Partial<AssistantMessage>) =>
      setConversations((all) =>
        all.map((conversation) =>
          conversation.id !== conversationId
            ? conversation
            : {
                ...conversation,
                updatedAt: Date.now(),
                messages: conversation.messages.map((message) =>
                  message.id === messageId && message.role === "assistant"
                    ? { ...message, ...patch }
                    : message,
                ),
              },
        ),
      ),
    [],
  );

  const runReply = useCallback(
    async (conversationId: string, history: ChatMessage[]) => {
      const reply: AssistantMessage = {
        id: newId(),
        role: "assistant",
        content: "",
        status: "streaming",
        requestedModel: settings.model,
      };
      setConversations((all) =>
        all.map((conversation) =>
          conversation.id === conversationId
            ? { ...conversation, updatedAt: Date.now(), messages: [...history, reply] }
            : conversation,
        ),
      );
      const abort = new AbortController();
      abortRef.current = abort;
      setStreaming(true);
      try {
        await streamReply({
          client,
          credential,
          request: buildRequest(history, settings),
          signal: abort.signal,
          onProgress: (progress) => updateMessage(conversationId, reply.id, progress),
        });
      } finally {
        if (abortRef.current === abort) abortRef.current = null;
        setStreaming(false);
      }
    },
    [client, credential, settings, updateMessage],
  );

  const send = useCallback(
    (text: string) => {
      const content = text.trim();
      if (!content || abortRef.current) return;
      const userMessage: ChatMessage = { id: newId(), role: "user", content };
      let conversation = active;
      if (!conversation) {
        const now = Date.now();
        conversation = {
          id: newId(),
          title: titleFor(content),
          createdAt: now,
          updatedAt: now,
          messages: [],
        };
        const created = conversation;
        setConversations((all) => [created, ...all]);
        setActiveId(created.id);
      }
      void runReply(conversation.id, [...conversation.messages, userMessage]);
    },
    [active, runReply],
  );

  const retry = useCallback(() => {
    if (!active || abortRef.current) return;
    const last = active.messages.at(-1);
    const history = last?.role === "assistant" ? active.messages.slice(0, -1) : active.messages;
    if (history.at(-1)?.role !== "user") return;
    void runReply(active.id, history);
  }, [active, runReply]);

  const stop = useCallback(() => abortRef.current?.abort(), []);

  const newChat = useCallback(() => {
    abortRef.current?.abort();
    setActiveId(null);
  }, []);

  const select = useCallback((id: string) => {
    abortRef.current?.abort();
    setActiveId(id);
  }, []);

  const remove = useCallback(
    (id: string) => {
      if (id === activeId) {
        abortRef.current?.abort();
        setActiveId(null);
      }
      setConversations((all) => all.filter((conversation) => conversation.id !== id));
    },
    [activeId],
  );

  return { conversations, active, streaming, send, stop, retry, newChat, select, remove };
}
