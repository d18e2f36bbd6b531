/**
 * WebSocket-to-TCP proxy for the Neon serverless driver against a local PostgreSQL, speaking the
 * protocol of Neon's `wsproxy` (github.com/neondatabase/wsproxy): a WebSocket at
 * `/v1?address=HOST:PORT` whose binary frames are piped to a TCP connection to that address.
 * A Node stand-in because that Go module is not installable from this project's module proxy.
 * Only addresses matching ALLOW_ADDR_REGEX are dialled (default: 127.0.0.1:5432 / localhost:5432).
 *
 * Driver side (see edge/src/log/postgres-sink.ts):
 *   neonConfig.wsProxy = (host, port) => `127.0.0.1:5480/v1?address=${host}:${port}`;
 *   neonConfig.useSecureWebSocket = false; neonConfig.pipelineTLS = false;
 *
 * @example
 * LISTEN_PORT=5480 npx tsx infra/local/neon-wsproxy/server.ts
 */
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocketServer } from "ws";

export interface NeonWsProxyOptions {
  /** Which `host:port` targets may be dialled. */
  allowAddr?: RegExp;
}

export const DEFAULT_ALLOW_ADDR = /^(127\.0\.0\.1|localhost):5432$/;

/** Creates the proxy (not listening yet); `close` on the server also drops open tunnels. */
export function createNeonWsProxy(opts: NeonWsProxyOptions = {}): Server {
  const allowAddr = opts.allowAddr ?? DEFAULT_ALLOW_ADDR;
  const server = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" });
    res.end("WebSocket upgrade required\n");
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const address = url.searchParams.get("address") ?? "";
    const match = /^(.+):(\d{1,5})$/.exec(address);
    if (!match || !allowAddr.test(address)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\naddress not allowed\n");
      return;
    }
    const [, host = "", port = "0"] = match;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const tcp = connect({ host, port: Number(port) });
      tcp.setNoDelay(true);
      const pending: Buffer[] = [];
      let connected = false;
      tcp.on("connect", () => {
        connected = true;
        for (const chunk of pending.splice(0)) tcp.write(chunk);
      });
      ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
        const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (connected) tcp.write(chunk);
        else pending.push(chunk);
      });
      tcp.on("data", (chunk) => {
        // Backpressure: stop reading Postgres while the WebSocket send buffer is large.
        ws.send(chunk, { binary: true });
        if (ws.bufferedAmount > 1 << 20) {
          tcp.pause();
          const resume = setInterval(() => {
            if (ws.bufferedAmount < 1 << 18 || ws.readyState !== ws.OPEN) {
              clearInterval(resume);
              tcp.resume();
            }
          }, 5);
        }
      });
      tcp.on("close", () => ws.close());
      tcp.on("error", () => ws.terminate());
      ws.on("close", () => tcp.end());
      ws.on("error", () => tcp.destroy());
    });
  });

  server.on("close", () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return server;
}

function main() {
  // LISTEN_PORT accepts ":5480" (Go wsproxy style) or "5480".
  const port = Number((process.env.LISTEN_PORT ?? "5480").replace(/^.*:/, ""));
  const host = process.env.LISTEN_HOST ?? "127.0.0.1";
  const allowAddr = process.env.ALLOW_ADDR_REGEX
    ? new RegExp(process.env.ALLOW_ADDR_REGEX)
    : DEFAULT_ALLOW_ADDR;
  const server = createNeonWsProxy({ allowAddr });
  server.listen(port, host, () => console.log(JSON.stringify({ msg: "neon-wsproxy listening", host, port })));
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => server.close(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
