import { type FormEvent, useState } from "react";
import type { GatewayClient } from "../api/client";
import { GatewayError } from "../api/errors";

interface SignInProps {
  client: GatewayClient;
  /** Offer "sign in as <name>" (local development against `npm start`). */
  offerDevSignIn: boolean;
  onSignedIn: (credential: string) => void;
}

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 focus:border-sky-500 focus:ring-2 focus:ring-sky-500/40 focus:outline-none dark:border-zinc-700 dark:bg-zinc-900";
const buttonClass =
  "rounded-md bg-sky-600 px-4 py-2 font-medium text-white hover:bg-sky-700 disabled:opacity-50 focus-visible:ring-2 focus-visible:ring-sky-400 focus-visible:outline-none";

/** Checks a credential against the gateway; only a rejected credential blocks sign-in. */
async function verify(client: GatewayClient, credential: string): Promise<string | null> {
  try {
    await client.listModels(credential);
    return null;
  } catch (error) {
    if (error instanceof GatewayError && (error.kind === "unauthorized" || error.kind === "forbidden")) {
      return `The gateway rejected this credential: ${error.message}`;
    }
    return null;
  }
}

/** Sign-in: paste an API key or token, or (locally) sign in as a named development user. */
export function SignIn({ client, offerDevSignIn, onSignedIn }: SignInProps) {
  const [credential, setCredential] = useState("");
  const [name, setName] = useState("alice");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      const token = await work();
      const rejected = await verify(client, token);
      if (rejected) setError(rejected);
      else onSignedIn(token);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  const pasteSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (credential.trim()) void run(async () => credential.trim());
  };

  const devSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    void run(async () => {
      try {
        return await client.devToken(name.trim());
      } catch (failure) {
        if (failure instanceof GatewayError && failure.status === 404) {
          throw new Error(
            "This gateway has no development sign-in. Run `npm run token -- --sub alice` and paste the token above.",
          );
        }
        throw failure;
      }
    });
  };

  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col justify-center gap-6 p-6">
      <header>
        <h1 className="text-2xl font-semibold">Switchyard</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          One chat, several models; the router picks. Your key stays in this browser.
        </p>
      </header>
      <form onSubmit={pasteSubmit} className="flex flex-col gap-2" aria-label="Sign in with a key or token">
        <label htmlFor="credential" className="font-medium">
          API key or token
        </label>
        <input
          id="credential"
          type="password"
          autoComplete="off"
          value={credential}
          onChange={(event) => setCredential(event.target.value)}
          placeholder="Paste an API key or JWT"
          className={inputClass}
        />
        <button type="submit" disabled={busy || !credential.trim()} className={buttonClass}>
          Sign in
        </button>
      </form>
      {offerDevSignIn && (
        <form
          onSubmit={devSubmit}
          className="flex flex-col gap-2 border-t border-zinc-200 pt-4 dark:border-zinc-800"
          aria-label="Sign in as a development user"
        >
          <label htmlFor="dev-user" className="font-medium">
            Local development: sign in as
          </label>
          <div className="flex gap-2">
            <input
              id="dev-user"
              value={name}
              onChange={(event) => setName(event.target.value)}
              className={inputClass}
            />
            <button
              type="submit"
              disabled={busy || !name.trim()}
              className={`${buttonClass} whitespace-nowrap`}
            >
              Sign in as {name.trim() || "…"}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p
          role="alert"
          className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100"
        >
          {error}
        </p>
      )}
    </main>
  );
}
