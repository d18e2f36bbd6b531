import type WebSocket from "ws";

/** A V8 inspector session on one worker of a workerd started with `--inspector-addr`. */
export interface InspectorSession {
  ws: WebSocket;
  /** Sends one inspector command and resolves with its result. */
  call(method: string, params?: Record<string, unknown>): Promise<unknown>;
}

/**
 * Connects to the inspector target whose title or url names `worker` (workerd lists one target
 * per worker: the edge itself, not the static-files worker), else the first one.
 *
 * @example const { call, ws } = await connectInspector(9229, "edge"); await call("Profiler.enable");
 */
export async function connectInspector(port: number, worker: string): Promise<InspectorSession> {
  const { default: WebSocketClient } = await import("ws");
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
    title?: string;
    url?: string;
  }[];
  const url = (targets.find((t) => `${t.title ?? ""} ${t.url ?? ""}`.includes(worker)) ?? targets[0])
    ?.webSocketDebuggerUrl;
  if (!url) throw new Error("no inspector target");
  const ws = new WebSocketClient(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { ws, call };
}
