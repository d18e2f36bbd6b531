import { errorFromResponse, GatewayError } from "./errors";
import { routeFromHeaders } from "./route-info";
import { readChatStream } from "./sse";
import type { ChatCompletionRequest, ChatStreamEvent, RouteInfo } from "./types";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface GatewayClientOptions {
  /** Origin of the gateway; empty means the page's own origin (the edge serves the app). */
  baseUrl?: string;
  /** Injected for tests; defaults to the browser's fetch. */
  fetch?: FetchLike;
  /** Whether the browser believes it is online (injected for tests). */
  isOnline?: () => boolean;
}

export interface ModelOption {
  id: string;
  ownedBy?: string;
}

export interface StartedChat {
  /** Routing decision known from the response headers, before the first token. */
  route: RouteInfo;
  events: AsyncGenerator<ChatStreamEvent>;
}

export const gatewayPaths = {
  chat: "/v1/chat/completions",
  models: "/v1/models",
  devToken: "/dev/token",
} as const;

/** A thin client for the Switchyard gateway. */
export interface GatewayClient {
  startChat(credential: string, request: ChatCompletionRequest, signal?: AbortSignal): Promise<StartedChat>;
  listModels(credential: string, signal?: AbortSignal): Promise<ModelOption[]>;
  /** Local development only: asks the edge for a short-lived token for a named user. */
  devToken(subject: string): Promise<string>;
}

/**
 * Creates a gateway client.
 *
 * @example
 * const client = createGatewayClient();
 * const { route, events } = await client.startChat(apiKey, request, abort.signal);
 */
export function createGatewayClient(options: GatewayClientOptions = {}): GatewayClient {
  const baseUrl = options.baseUrl ?? "";
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const isOnline = options.isOnline ?? (() => (typeof navigator === "undefined" ? true : navigator.onLine));

  async function call(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new GatewayError(
        isOnline() ? "server_error" : "offline",
        isOnline()
          ? "Could not reach the gateway. Is it running?"
          : "You are offline. Check your connection and try again.",
      );
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  const authHeaders = (credential: string) => ({ authorization: `Bearer ${credential}` });

  return {
    async startChat(credential, request, signal) {
      const response = await call(gatewayPaths.chat, {
        method: "POST",
        headers: {
          ...authHeaders(credential),
          "content-type": "application/json",
          accept: "text/event-stream",
        },
        body: JSON.stringify(request),
        signal,
      });
      if (!response.body) throw new GatewayError("server_error", "The gateway sent no stream.");
      return { route: routeFromHeaders(response.headers), events: readChatStream(response.body) };
    },

    async listModels(credential, signal) {
      const response = await call(gatewayPaths.models, { headers: authHeaders(credential), signal });
      const json = (await response.json()) as { data?: { id?: unknown; owned_by?: unknown }[] };
      return (json.data ?? [])
        .filter((model): model is { id: string; owned_by?: unknown } => typeof model.id === "string")
        .map((model) => ({
          id: model.id,
          ownedBy: typeof model.owned_by === "string" ? model.owned_by : undefined,
        }));
    },

    async devToken(subject) {
      const response = await call(gatewayPaths.devToken, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sub: subject }),
      });
      const json = (await response.json()) as { token?: unknown; access_token?: unknown };
      const token = json.token ?? json.access_token;
      if (typeof token !== "string") throw new GatewayError("server_error", "The gateway sent no token.");
      return token;
    },
  };
}
