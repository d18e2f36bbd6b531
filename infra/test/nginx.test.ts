/**
 * infra/nginx/switchyard.conf with Debian's real nginx and a self-signed certificate, in front of
 * the real edge on workerd: a streamed completion reaches an HTTP/2 client chunk by chunk.
 *
 * Proof without timings: the backend (a paced stand-in, the one fake here) sends token i+1 only
 * once the client has read token i through nginx. A proxy that buffered the stream would hold
 * token i back, the backend would fall back after a while to sending anyway, and the record of
 * who released each token would show it. Everything between client and backend is real.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Spawned, spawnLogged, startWorkerdEdge } from "../../edge/test/support/processes";
import { findTool, infraDir } from "./tools";

const MODEL = "qwen2.5-7b-instruct";
const API_KEY = "sk-nginx-test";
const TOKENS = ["Once", " upon", " a", " time", " there", " was", " a", " fox", "."];
/** How long the backend waits for the client's read before sending anyway (only when buffered). */
const FALLBACK_MS = 8_000;

const nginx = findTool("nginx", "apt-get install -y nginx; listed in .ci/apt-packages.txt");
const openssl = findTool("openssl", "apt-get install -y openssl");

let dir = "";
let backend: Server | undefined;
let edge: (Spawned & { url: string }) | undefined;
let proxy: Spawned | undefined;
let tlsPort = 0;
let cert = "";
let plainUrl = "";

/** Per token: released by the client having read the previous one ("client") or by the fallback. */
const releasedBy: Array<"client" | "fallback"> = [];
let release: ((index: number) => void) | undefined;

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({
    id: "chatcmpl-paced",
    object: "chat.completion.chunk",
    created: 0,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
}

/** An OpenAI-compatible backend that streams in lockstep with the client (see the header). */
function pacedBackend(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      return;
    }
    req.resume();
    req.on("end", async () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(chunk({ role: "assistant", content: "" }));
      for (let i = 0; i < TOKENS.length; i++) {
        if (i > 0) {
          releasedBy[i] = await new Promise<"client" | "fallback">((resolve) => {
            const timer = setTimeout(() => resolve("fallback"), FALLBACK_MS);
            release = (index) => {
              if (index >= i) {
                clearTimeout(timer);
                resolve("client");
              }
            };
          });
        }
        res.write(chunk({ content: TOKENS[i] }));
      }
      res.write(chunk({}, "stop"));
      res.write(
        `data: ${JSON.stringify({ id: "chatcmpl-paced", object: "chat.completion.chunk", created: 0, model: MODEL, choices: [], usage: { prompt_tokens: 4, completion_tokens: TOKENS.length, total_tokens: 4 + TOKENS.length } })}\n\n`,
      );
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** The repository's config, pointed at this test's edge, ports and certificate. */
function testConfig(edgeAddress: string, httpPort: number): string {
  const site = readFileSync(join(infraDir, "nginx", "switchyard.conf"), "utf8")
    .replace("server 127.0.0.1:8787;", `server ${edgeAddress};`)
    .replace("listen 80;", `listen 127.0.0.1:${httpPort};`)
    .replace("listen 443 ssl http2;", `listen 127.0.0.1:${tlsPort} ssl http2;`)
    .replace(/^\s*listen \[::\].*$/gm, "")
    .replace("/etc/ssl/switchyard/fullchain.pem", join(dir, "cert.pem"))
    .replace("/etc/ssl/switchyard/privkey.pem", join(dir, "key.pem"));
  writeFileSync(join(dir, "switchyard.conf"), site);
  const temp = (name: string) => join(dir, name);
  return `daemon off;
master_process off;
pid ${temp("nginx.pid")};
error_log ${temp("error.log")} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  include ${join(dir, "switchyard.conf")};
}
`;
}

beforeAll(async () => {
  if (!nginx || !openssl) return;
  dir = mkdtempSync(join(tmpdir(), "switchyard-nginx-"));
  const made = spawnSync(
    openssl,
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { encoding: "utf8" },
  );
  expect(made.status, made.stderr).toBe(0);
  cert = readFileSync(join(dir, "cert.pem"), "utf8");

  backend = await pacedBackend();
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  edge = await startWorkerdEdge(
    {
      SWITCHYARD_BACKENDS: JSON.stringify({ [MODEL]: backendUrl }),
      SWITCHYARD_API_KEYS: API_KEY,
      SWITCHYARD_METRICS_TOKEN: "nginx-metrics",
      SWITCHYARD_PROMPT_HASH_KEY: "nginx-prompt-hash",
      SWITCHYARD_BACKEND_API_KEY: "nginx-backend-key",
    },
    { stateDir: join(dir, "edge-state") },
  );

  tlsPort = await freePort();
  const httpPort = await freePort();
  writeFileSync(join(dir, "nginx.conf"), testConfig(new URL(edge.url).host, httpPort));
  const checked = spawnSync(nginx, ["-t", "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
  expect(checked.status, checked.stderr).toBe(0);
  proxy = spawnLogged(nginx, ["-c", join(dir, "nginx.conf")], { cwd: dir });
  plainUrl = `http://127.0.0.1:${httpPort}/v1/models`;
  // The plain-HTTP server only redirects: up once it answers 301.
  for (let tries = 0; tries < 100; tries++) {
    if (proxy.child.exitCode !== null) throw new Error(`nginx exited:\n${proxy.output()}`);
    const status = await fetch(plainUrl, { redirect: "manual" }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 301) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(async () => {
  await proxy?.stop();
  await edge?.stop();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!nginx || !openssl)("nginx TLS termination (infra/nginx/switchyard.conf)", () => {
  it("streams a completion chunk by chunk over HTTP/2 to the edge on workerd", async () => {
    const session = connect(`https://localhost:${tlsPort}`, { ca: cert });
    try {
      await new Promise<void>((resolve, reject) =>
        session.once("connect", () => resolve()).once("error", reject),
      );
      expect(session.alpnProtocol).toBe("h2");
      const request = session.request({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        authorization: `Bearer ${API_KEY}`,
        "content-type": "application/json",
        // As browsers do: a proxy compressing the stream would then hold chunks back.
        "accept-encoding": "gzip, deflate",
      });
      request.end(
        JSON.stringify({
          model: MODEL,
          stream: true,
          max_tokens: 32,
          messages: [{ role: "user", content: "Tell me a story" }],
        }),
      );
      const headers = await new Promise<Record<string, unknown>>((resolve) =>
        request.once("response", resolve),
      );
      expect(headers[":status"]).toBe(200);
      expect(String(headers["content-type"])).toContain("text/event-stream");
      expect(headers["x-switchyard-model"]).toBe(MODEL);

      let pending = "";
      const contents: string[] = [];
      let done = false;
      let readsWithContent = 0;
      const decoded = headers["content-encoding"] ? request.pipe(createGunzip()) : request;
      decoded.setEncoding("utf8");
      for await (const data of decoded) {
        pending += data;
        const events = pending.split("\n\n");
        pending = events.pop() ?? "";
        const before = contents.length;
        for (const event of events) {
          const payload = event.replace(/^data: /, "");
          if (payload === "[DONE]") done = true;
          else {
            const content = JSON.parse(payload).choices?.[0]?.delta?.content;
            if (content) contents.push(content);
          }
        }
        if (contents.length > before) {
          readsWithContent += 1;
          // Token contents.length - 1 has arrived: the backend may send the next one.
          release?.(contents.length);
        }
      }
      // Every token came through, each before the backend sent the next: nothing was buffered.
      expect(contents.join("")).toBe(TOKENS.join(""));
      expect(done).toBe(true);
      expect(releasedBy.slice(1)).toEqual(TOKENS.slice(1).map(() => "client"));
      expect(readsWithContent).toBeGreaterThanOrEqual(TOKENS.length);
    } finally {
      session.close();
    }
  });

  it("redirects plain HTTP to HTTPS; /health answers over TLS", async () => {
    const plain = await fetch(plainUrl, { redirect: "manual" });
    expect(plain.status).toBe(301);
    expect(plain.headers.get("location")).toMatch(/^https:\/\//);
    const session = connect(`https://localhost:${tlsPort}`, { ca: cert });
    try {
      const request = session.request({ ":path": "/health" });
      request.end();
      const headers = await new Promise<Record<string, unknown>>((resolve) =>
        request.once("response", resolve),
      );
      expect(headers[":status"]).toBe(200);
      let body = "";
      for await (const data of request) body += data;
      expect(JSON.parse(body)).toMatchObject({ status: "ok" });
    } finally {
      session.close();
    }
  });
});
