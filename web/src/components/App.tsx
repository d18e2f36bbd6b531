import { useMemo, useState } from "react";
import { createGatewayClient, type GatewayClient } from "../api/client";
import { loadCredential, loadSettings, saveCredential, saveSettings } from "../state/storage";
import type { ChatSettings } from "../state/types";
import { ChatScreen } from "./ChatScreen";
import { SignIn } from "./SignIn";
import { useTheme } from "./useTheme";

const localHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

interface AppProps {
  /** Injected in tests; the browser's fetch against this origin otherwise. */
  client?: GatewayClient;
  offerDevSignIn?: boolean;
}

export function App({ client: injected, offerDevSignIn }: AppProps) {
  const client = useMemo(() => injected ?? createGatewayClient(), [injected]);
  const [credential, setCredential] = useState<string | null>(loadCredential);
  const [settings, setSettings] = useState<ChatSettings>(loadSettings);
  useTheme(settings.theme);

  const updateSettings = (next: ChatSettings) => {
    setSettings(next);
    saveSettings(next);
  };
  const signIn = (next: string | null) => {
    setCredential(next);
    saveCredential(next);
  };

  if (!credential) {
    return (
      <SignIn
        client={client}
        offerDevSignIn={offerDevSignIn ?? (import.meta.env.DEV || localHosts.has(window.location.hostname))}
        onSignedIn={signIn}
      />
    );
  }
  return (
    <ChatScreen
      key={credential}
      client={client}
      credential={credential}
      settings={settings}
      onSettingsChange={updateSettings}
      onSignOut={() => signIn(null)}
    />
  );
}
