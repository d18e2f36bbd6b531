import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createGatewayClient } from "../api/client";
import { storageKeys } from "../state/storage";
import {
  type ChatResponder,
  contentChunk,
  fakeGateway,
  jsonError,
  type ScriptedStream,
  scriptedStream,
  sseHeaders,
} from "../test/fake-gateway";
import { App } from "./App";

const credential = "sk-test-key";

function renderApp(onChat: ChatResponder, { signedIn = true } = {}) {
  if (signedIn) localStorage.setItem(storageKeys.credential, JSON.stringify(credential));
  const gateway = fakeGateway(onChat);
  const client = createGatewayClient({ fetch: gateway.fetch });
  const user = userEvent.setup();
  const view = render(<App client={client} offerDevSignIn={false} />);
  return { ...gateway, client, user, view };
}

/** Every chat request gets a hand-driven stream; `streams` holds their controls in order. */
function streamingResponder(headers: Record<string, string> = {}) {
  const streams: ScriptedStream[] = [];
  const respond: ChatResponder = ({ signal }) => {
    const { stream, control } = scriptedStream(signal);
    streams.push(control);
    return new Response(stream, { status: 200, headers: sseHeaders(headers) });
  };
  return { streams, respond };
}

async function sendPrompt(user: ReturnType<typeof userEvent.setup>, text: string) {
  await user.type(screen.getByLabelText("Message"), text);
  await user.keyboard("{Enter}");
}

const lastReply = () => screen.getAllByTestId("assistant-message").at(-1) as HTMLElement;

afterEach(() => vi.restoreAllMocks());

describe("chat app", () => {
  it("streams a reply token by token and shows which model answered and why", async () => {
    const { streams, respond } = streamingResponder();
    const { user, chatRequests } = renderApp(respond);
    await sendPrompt(user, "Say hello");

    await waitFor(() => expect(streams).toHaveLength(1));
    const stream = streams[0] as ScriptedStream;
    expect(await screen.findByLabelText("Waiting for the first token")).toBeInTheDocument();
    // Route headers are shown as soon as the response starts.
    expect(within(lastReply()).getByTestId("model-badge")).toHaveTextContent("qwen2.5-7b-instruct");

    act(() => stream.pushChunk(contentChunk("Hello")));
    await waitFor(() => expect(within(lastReply()).getByTestId("reply-text")).toHaveTextContent("Hello"));
    act(() => stream.pushChunk(contentChunk(", **world**")));
    await waitFor(() =>
      expect(within(lastReply()).getByTestId("reply-text")).toHaveTextContent("Hello, world"),
    );
    expect(lastReply()).toHaveAttribute("data-status", "streaming");
    expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();

    act(() => {
      stream.pushChunk({
        choices: [],
        usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
        switchyard: {
          model: "qwen2.5-7b-instruct",
          route_reason: "round_robin",
          route_confidence: 0.82,
          cache: "MISS",
        },
      });
      stream.push("data: [DONE]\n\n");
      stream.close();
    });
    await waitFor(() => expect(lastReply()).toHaveAttribute("data-status", "done"));
    const reply = within(lastReply());
    expect(reply.getByText("world").tagName).toBe("STRONG");
    expect(reply.getByTestId("route-confidence")).toHaveTextContent("82%");
    expect(reply.getByTestId("route-reason")).toHaveTextContent("round_robin");
    expect(reply.getByTestId("cache-status")).toHaveTextContent("cache miss");
    expect(reply.getByTestId("ttft")).toHaveTextContent(/TTFT \d/);
    expect(reply.getByTestId("token-counts")).toHaveTextContent("11 in · 5 out");
    expect(reply.queryByTestId("fallback")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();

    const [request] = chatRequests();
    expect(new Headers(request?.init?.headers).get("authorization")).toBe(`Bearer ${credential}`);
    expect(request?.body).toMatchObject({
      model: "auto",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Say hello" }],
    });
  });

  it("shows a fallback plainly and a cache hit", async () => {
    const { streams, respond } = streamingResponder({ "x-switchyard-cache": "HIT" });
    const { user } = renderApp(respond);
    await sendPrompt(user, "hi");
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      const stream = streams[0] as ScriptedStream;
      stream.pushChunk(contentChunk("ok", "gemma-2-9b-it"));
      stream.pushChunk({
        choices: [],
        switchyard: {
          model: "gemma-2-9b-it",
          route_reason: "round_robin",
          route_confidence: null,
          cache: "HIT",
          request_id: "req-9",
          attempts: 2,
          fallback_from: ["llama-3.1-8b-instruct"],
        },
      });
      stream.push("data: [DONE]\n\n");
    });
    await waitFor(() => expect(lastReply()).toHaveAttribute("data-status", "done"));
    expect(within(lastReply()).getByTestId("model-badge")).toHaveTextContent("gemma-2-9b-it");
    expect(within(lastReply()).getByTestId("cache-status")).toHaveTextContent("cache hit");
    expect(within(lastReply()).getByTestId("fallback")).toHaveTextContent(
      "Fallback: llama-3.1-8b-instruct did not answer, gemma-2-9b-it did (tried llama-3.1-8b-instruct → gemma-2-9b-it).",
    );
    expect(within(lastReply()).getByTestId("attempts")).toHaveTextContent("attempts 2");
  });

  it("shows a rate limit with the time until a retry makes sense", async () => {
    const { user } = renderApp(() =>
      jsonError(429, "Rate limit exceeded for this key.", "rate_limited", { "retry-after": "30" }),
    );
    await sendPrompt(user, "hi");
    const alert = await screen.findByTestId("failure-rate_limited");
    expect(alert).toHaveTextContent("Rate limited");
    expect(alert).toHaveTextContent("Rate limit exceeded for this key.");
    expect(within(alert).getByTestId("retry-after")).toHaveTextContent(/You can retry in (30|29) s/);
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeDisabled();
    expect(lastReply()).toHaveAttribute("data-status", "error");
  });

  it("shows a model-unavailable state for 503 and retries on request", async () => {
    let calls = 0;
    const { streams, respond } = streamingResponder();
    const { user, chatRequests } = renderApp((request) => {
      calls += 1;
      return calls === 1
        ? jsonError(503, "No backend for gemma-2-9b-it is available.", "model_unavailable", {
            "retry-after": "0",
          })
        : respond(request);
    });
    await sendPrompt(user, "hi");
    const alert = await screen.findByTestId("failure-unavailable");
    expect(alert).toHaveTextContent("Model unavailable");
    expect(alert).toHaveTextContent("No backend for gemma-2-9b-it is available.");

    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      streams[0]?.pushChunk(contentChunk("back"));
      streams[0]?.push("data: [DONE]\n\n");
    });
    await waitFor(() => expect(lastReply()).toHaveAttribute("data-status", "done"));
    expect(screen.getAllByTestId("assistant-message")).toHaveLength(1);
    expect(chatRequests()[1]?.body?.messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("shows a mid-stream failure as an error, never as a finished answer", async () => {
    const { streams, respond } = streamingResponder();
    const { user } = renderApp(respond);
    await sendPrompt(user, "tell me a story");
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      const stream = streams[0] as ScriptedStream;
      stream.pushChunk(contentChunk("Once upon"));
      stream.pushChunk({
        error: { message: "Backend stream failed", type: "upstream_error", code: "stream_error" },
      });
    });
    const alert = await screen.findByTestId("failure-stream_error");
    expect(alert).toHaveTextContent("The reply failed partway");
    expect(alert).toHaveTextContent("Backend stream failed");
    expect(alert).toHaveTextContent("not a finished answer");
    expect(lastReply()).toHaveAttribute("data-status", "error");
    expect(within(lastReply()).getByTestId("reply-text")).toHaveTextContent("Once upon");
  });

  it("shows a stream cut off without [DONE] as an error", async () => {
    const { streams, respond } = streamingResponder();
    const { user } = renderApp(respond);
    await sendPrompt(user, "hi");
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      streams[0]?.pushChunk(contentChunk("half"));
      streams[0]?.close();
    });
    expect(await screen.findByTestId("failure-stream_error")).toHaveTextContent("without [DONE]");
  });

  it("says so when the browser is offline", async () => {
    const { user } = renderApp(() => Promise.reject(new TypeError("Failed to fetch")));
    const onLine = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    act(() => {
      window.dispatchEvent(new Event("offline"));
    });
    expect(await screen.findByTestId("offline-banner")).toHaveTextContent("You are offline");
    await sendPrompt(user, "hi");
    expect(await screen.findByTestId("failure-offline")).toHaveTextContent("Check your connection");

    onLine.mockReturnValue(true);
    act(() => {
      window.dispatchEvent(new Event("online"));
    });
    await waitFor(() => expect(screen.queryByTestId("offline-banner")).not.toBeInTheDocument());
  });

  it("stops a stream: the request is aborted and the reply is marked stopped", async () => {
    const { streams, respond } = streamingResponder();
    const { user, chatRequests } = renderApp(respond);
    await sendPrompt(user, "count to a million");
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => streams[0]?.pushChunk(contentChunk("1, 2, 3")));
    await waitFor(() => expect(within(lastReply()).getByTestId("reply-text")).toHaveTextContent("1, 2, 3"));

    await user.click(screen.getByRole("button", { name: "Stop" }));
    await waitFor(() => expect(lastReply()).toHaveAttribute("data-status", "stopped"));
    expect(chatRequests()[0]?.signal?.aborted).toBe(true);
    expect(streams[0]?.cancelled).toBe(true);
    expect(within(lastReply()).getByTestId("stopped")).toHaveTextContent("Stopped.");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
  });

  it("sends on Enter, keeps a newline on Shift+Enter, and uses the chosen model and settings", async () => {
    const { streams, respond } = streamingResponder();
    const { user, chatRequests } = renderApp(respond);
    const picker = screen.getByLabelText("Model");
    await waitFor(() =>
      expect(within(picker).getByRole("option", { name: "codegemma-7b" })).toBeInTheDocument(),
    );
    expect(within(picker).getByRole("option", { name: "Auto (router decides)" })).toBeInTheDocument();
    expect(within(picker).getAllByRole("option")).toHaveLength(4);
    await user.selectOptions(picker, "codegemma-7b");

    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.type(screen.getByLabelText("System prompt"), "Be brief.");
    const maxTokens = screen.getByLabelText("Max tokens");
    await user.clear(maxTokens);
    await user.type(maxTokens, "64");

    const box = screen.getByLabelText("Message");
    await user.type(box, "line one{Shift>}{Enter}{/Shift}line two");
    expect(box).toHaveValue("line one\nline two");
    expect(chatRequests()).toHaveLength(0);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(streams).toHaveLength(1));
    expect(box).toHaveValue("");
    expect(chatRequests()[0]?.body).toMatchObject({
      model: "codegemma-7b",
      max_tokens: 64,
      temperature: 0.7,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "line one\nline two" },
      ],
    });
  });

  it("keeps conversations in localStorage, restores them, and starts new chats", async () => {
    const { streams, respond } = streamingResponder();
    const first = renderApp(respond);
    await sendPrompt(first.user, "Remember me");
    await waitFor(() => expect(streams).toHaveLength(1));
    act(() => {
      streams[0]?.pushChunk(contentChunk("Remembered."));
      streams[0]?.push("data: [DONE]\n\n");
    });
    await waitFor(() => expect(lastReply()).toHaveAttribute("data-status", "done"));
    first.view.unmount();

    const second = renderApp(respond);
    expect(screen.getByTestId("user-message")).toHaveTextContent("Remember me");
    expect(within(lastReply()).getByTestId("reply-text")).toHaveTextContent("Remembered.");
    expect(within(lastReply()).getByTestId("model-badge")).toHaveTextContent("qwen2.5-7b-instruct");

    await second.user.click(screen.getByRole("button", { name: "+ New chat" }));
    expect(screen.queryByTestId("user-message")).not.toBeInTheDocument();
    expect(screen.getByText("Ask anything.")).toBeInTheDocument();
    await second.user.click(screen.getByRole("button", { name: "Remember me" }));
    expect(screen.getByTestId("user-message")).toHaveTextContent("Remember me");

    // Follow-ups carry the history.
    await sendPrompt(second.user, "And now?");
    await waitFor(() => expect(streams).toHaveLength(2));
    expect(second.chatRequests()[0]?.body?.messages).toEqual([
      { role: "user", content: "Remember me" },
      { role: "assistant", content: "Remembered." },
      { role: "user", content: "And now?" },
    ]);
  });

  it("restores a reply that was streaming when the page closed as stopped, not finished", () => {
    localStorage.setItem(
      storageKeys.conversations,
      JSON.stringify([
        {
          id: "c1",
          title: "t",
          createdAt: 1,
          updatedAt: 1,
          messages: [
            { id: "u", role: "user", content: "q" },
            { id: "a", role: "assistant", content: "partial", status: "streaming", requestedModel: "auto" },
          ],
        },
      ]),
    );
    localStorage.setItem(storageKeys.activeConversation, JSON.stringify("c1"));
    renderApp(() => jsonError(500, "unused", "unused"));
    expect(lastReply()).toHaveAttribute("data-status", "stopped");
  });

  it("signs in with a pasted key and signs out", async () => {
    const { user } = renderApp(() => jsonError(500, "unused", "unused"), { signedIn: false });
    await user.type(screen.getByLabelText("API key or token"), credential);
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByLabelText("Message")).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(storageKeys.credential) ?? "null")).toBe(credential);

    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(screen.getByLabelText("API key or token")).toBeInTheDocument();
    expect(localStorage.getItem(storageKeys.credential)).toBeNull();
  });

  it("refuses a credential the gateway rejects", async () => {
    const client = createGatewayClient({
      fetch: async () => jsonError(401, "Invalid API key or token.", "invalid_api_key"),
    });
    const user = userEvent.setup();
    render(<App client={client} offerDevSignIn={false} />);
    await user.type(screen.getByLabelText("API key or token"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "rejected this credential: Invalid API key or token.",
    );
    expect(localStorage.getItem(storageKeys.credential)).toBeNull();
  });

  it("asks to sign in again when a request is rejected with 401", async () => {
    const { user } = renderApp(() => jsonError(401, "Token expired.", "invalid_token"));
    await sendPrompt(user, "hi");
    const alert = await screen.findByTestId("failure-unauthorized");
    await user.click(within(alert).getByRole("button", { name: "Sign in again" }));
    expect(screen.getByLabelText("API key or token")).toBeInTheDocument();
  });

  it("signs in as a named development user through the edge's dev token endpoint", async () => {
    const gateway = fakeGateway(() => jsonError(500, "unused", "unused"));
    const client = createGatewayClient({
      fetch: async (url, init) =>
        url.endsWith("/dev/token")
          ? Response.json({ token: `dev-token-for-${JSON.parse(String(init?.body)).sub}` })
          : gateway.fetch(url, init),
    });
    const user = userEvent.setup();
    render(<App client={client} offerDevSignIn />);
    const name = screen.getByLabelText("Local development: sign in as");
    await user.clear(name);
    await user.type(name, "bob");
    await user.click(screen.getByRole("button", { name: "Sign in as bob" }));
    expect(await screen.findByLabelText("Message")).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(storageKeys.credential) ?? "null")).toBe("dev-token-for-bob");
  });
});
