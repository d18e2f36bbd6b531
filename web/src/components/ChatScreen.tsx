import { useEffect, useRef, useState } from "react";
import type { GatewayClient, ModelOption } from "../api/client";
import type { ChatSettings } from "../state/types";
import { useChat } from "../state/useChat";
import { Composer } from "./Composer";
import { MessageBubble } from "./MessageBubble";
import { ModelPicker } from "./ModelPicker";
import { SettingsPanel } from "./SettingsPanel";
import { Sidebar } from "./Sidebar";
import { useOnline } from "./useOnline";
import { nextTheme } from "./useTheme";

interface ChatScreenProps {
  client: GatewayClient;
  credential: string;
  settings: ChatSettings;
  onSettingsChange: (settings: ChatSettings) => void;
  onSignOut: () => void;
}

const headerButton =
  "rounded-md border border-zinc-300 px-2 py-1 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

export function ChatScreen({ client, credential, settings, onSettingsChange, onSignOut }: ChatScreenProps) {
  const chat = useChat(client, credential, settings);
  const online = useOnline();
  const [models, setModels] = useState<ModelOption[]>([]);
  const [showSettings, setShowSettings] = useState(false);
  const [showSidebar, setShowSidebar] = useState(false);
  const endRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    client
      .listModels(credential, abort.signal)
      .then(setModels)
      .catch(() => setModels([])); // The picker still offers Auto; a send will show the real error.
    return () => abort.abort();
  }, [client, credential]);

  const messages = chat.active?.messages ?? [];
  const lastContent = messages.at(-1)?.content;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll as the last reply grows
  useEffect(() => {
    // Braces matter: recent Chromium returns a promise from scrollIntoView, and an effect must
    // return nothing but a clean-up function.
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, lastContent]);

  return (
    <div className="flex h-dvh">
      <aside
        className={`${showSidebar ? "fixed inset-y-0 left-0 z-20 w-72 shadow-xl" : "hidden"} border-r border-zinc-200 bg-white md:static md:block md:w-64 md:shadow-none dark:border-zinc-800 dark:bg-zinc-950`}
      >
        <Sidebar
          conversations={chat.conversations}
          activeId={chat.active?.id}
          onNew={() => {
            chat.newChat();
            setShowSidebar(false);
          }}
          onSelect={(id) => {
            chat.select(id);
            setShowSidebar(false);
          }}
          onRemove={chat.remove}
        />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
          <button
            type="button"
            className={`${headerButton} md:hidden`}
            aria-label="Show conversations"
            aria-expanded={showSidebar}
            onClick={() => setShowSidebar((shown) => !shown)}
          >
            ☰
          </button>
          <h1 className="mr-auto text-lg font-semibold">Switchyard</h1>
          <ModelPicker
            models={models}
            value={settings.model}
            onChange={(model) => onSettingsChange({ ...settings, model })}
          />
          <button
            type="button"
            className={headerButton}
            aria-expanded={showSettings}
            onClick={() => setShowSettings((shown) => !shown)}
          >
            Settings
          </button>
          <button
            type="button"
            className={headerButton}
            aria-label={`Theme: ${settings.theme}. Switch theme`}
            title={`Theme: ${settings.theme}`}
            onClick={() => onSettingsChange({ ...settings, theme: nextTheme[settings.theme] })}
          >
            {settings.theme === "dark" ? "☾" : settings.theme === "light" ? "☀" : "◐"}
          </button>
          <button type="button" className={headerButton} onClick={onSignOut}>
            Sign out
          </button>
        </header>
        {showSettings && <SettingsPanel settings={settings} onChange={onSettingsChange} />}
        {!online && (
          <p
            role="status"
            data-testid="offline-banner"
            className="bg-amber-100 px-3 py-1.5 text-sm text-amber-900 dark:bg-amber-900/60 dark:text-amber-100"
          >
            You are offline. Messages will fail until the connection is back.
          </p>
        )}
        <main className="flex-1 overflow-y-auto px-3 py-4" aria-live="polite">
          {messages.length === 0 ? (
            <div className="mx-auto mt-16 max-w-md text-center text-zinc-500 dark:text-zinc-400">
              <p className="text-lg">Ask anything.</p>
              <p className="text-sm">
                With <strong>Auto</strong> the router picks a model; each reply shows which one answered and
                why.
              </p>
            </div>
          ) : (
            <ol className="mx-auto flex max-w-3xl flex-col gap-4" aria-label="Messages">
              {messages.map((message, index) => (
                <MessageBubble
                  key={message.id}
                  message={message}
                  onRetry={index === messages.length - 1 && !chat.streaming ? chat.retry : undefined}
                  onSignOut={onSignOut}
                />
              ))}
            </ol>
          )}
          <div ref={endRef} />
        </main>
        <div className="mx-auto w-full max-w-3xl">
          <Composer streaming={chat.streaming} onSend={chat.send} onStop={chat.stop} />
        </div>
      </div>
    </div>
  );
}
