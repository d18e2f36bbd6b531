import type { Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createNeonWsProxy } from "./server";

/** Opens a WebSocket and resolves with the HTTP status of a refused upgrade, or "open". */
function connect(url: string): Promise<{ status: number | "open"; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => resolve({ status: "open", ws }));
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on("error", reject);
  });
}

describe("Neon wsproxy stand-in", () => {
  let proxy: Server;
  let echo: TcpServer;
  let base: string;
  let echoPort: number;

  beforeAll(async () => {
    // A TCP echo server plays the database; only its address is allowed.
    echo = createTcpServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    echoPort = (echo.address() as AddressInfo).port;
    proxy = createNeonWsProxy({ allowAddr: new RegExp(`^127\\.0\\.0\\.1:${echoPort}$`) });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    base = `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => echo.close(r));
  });

  it("pipes binary frames to the allowed TCP address and back", async () => {
    const { status, ws } = await connect(`${base}?address=127.0.0.1:${echoPort}`);
    expect(status).toBe("open");
    const reply = new Promise<Buffer>((r) => ws?.once("message", (data) => r(data as Buffer)));
    ws?.send(Buffer.from([0, 1, 2, 250]));
    expect([...(await reply)]).toEqual([0, 1, 2, 250]);
    ws?.close();
  });

  it("refuses any other address (no open proxy) and plain HTTP", async () => {
    for (const address of ["127.0.0.1:22", "example.com:5432", "", `127.0.0.1:${echoPort}0`]) {
      expect((await connect(`${base}?address=${address}`)).status, address).toBe(403);
    }
    const res = await fetch(base.replace("ws:", "http:"));
    expect(res.status).toBe(426);
  });
});
