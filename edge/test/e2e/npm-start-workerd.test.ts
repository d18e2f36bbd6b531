/**
 * `npm start` serves the edge on workerd itself, not under `wrangler dev`: the real script, in
 * front of a real backend (node-llama-cpp on stories260K), answering a streamed completion, the
 * web app and the metrics Durable Object on local disk. The process that owns the edge's
 * listening socket is identified from /proc. With CI=true anything that cannot start fails.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerdBinary } from "../../../infra/workerd/launch";
import { readSse } from "../support/harness";
import { freePort, isCI, type Spawned, spawnLogged, waitForOk } from "../support/processes";

const ROOT = resolve(import.meta.dirname, "../../..");
const MODEL_FILE = resolve(
  process.env.SWITCHYARD_MODEL_DIR ?? resolve(ROOT, "../shared/models"),
  "stories260K.gguf",
);
const MODEL = "qwen2.5-7b-instruct";
const API_KEY = "sk-npm-start-key";
const BACKEND_KEY = "backend-npm-start-key";
const METRICS_TOKEN = "npm-start-metrics";

const processes: Spawned[] = [];
let start: Spawned | undefined;
let edgeUrl = "";
let edgePort = 0;
let stateDir = "";
let ready = false;

/** This process's environment without any edge settings or shared services, and NODE_ENV (vite). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_ENV;
  for (const key of Object.keys(env))
    if (/^(SWITCHYARD_|UPSTASH_REDIS_REST_|DATABASE_URL$|OTEL_)/.test(key)) delete env[key];
  return env;
}

/** The pid whose socket listens on 127.0.0.1:`port`, from /proc/net/tcp and /proc/<pid>/fd. */
function listeningPid(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is cols[1] (ADDR:PORT), st is cols[3] (0A = LISTEN), inode is cols[9].
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
    }
  }
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return Number(pid);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

const cmdline = (pid: number | string) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
};
/** Process group id (field 5 of /proc/<pid>/stat, after the parenthesised command name). */
const processGroup = (pid: number | string) => {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2]);
  } catch {
    return -1;
  }
};

/** GET as a browser navigation does (Node's fetch always sends `sec-fetch-mode: cors`). */
function navigate(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"] ?? "", body }),
      );
    }).on("error", reject);
  });
}

beforeAll(async () => {
  const problem = !existsSync(MODEL_FILE) ? `model file ${MODEL_FILE} is missing` : null;
  if (problem) {
    if (isCI()) throw new Error(`npm start (workerd): ${problem} (required when CI=true)`);
    console.warn(`\n!!! SKIPPING npm start (workerd) tests: ${problem}\n`);
    return;
  }
  const backendPort = await freePort();
  const backend = spawnLogged(
    "npm",
    [
      "run",
      "-s",
      "backend",
      "--",
      "--model",
      MODEL_FILE,
      "--id",
      MODEL,
      "--port",
      String(backendPort),
      "--threads",
      "1",
      "--api-key",
      BACKEND_KEY,
      "--skip-checksum",
    ],
    { cwd: ROOT, env: cleanEnv(), inheritEnv: false },
  );
  processes.push(backend);
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  await waitForOk(`${backendUrl}/ready`, backend, 120_000, { authorization: `Bearer ${BACKEND_KEY}` });

  stateDir = mkdtempSync(join(tmpdir(), "switchyard-npm-start-"));
  edgePort = await freePort();
  start = spawnLogged("npm", ["start", "--", "--port", String(edgePort), "--persist-to", stateDir], {
    cwd: ROOT,
    inheritEnv: false,
    env: {
      ...cleanEnv(),
      SWITCHYARD_BACKENDS: JSON.stringify({ [MODEL]: backendUrl }),
      SWITCHYARD_BACKEND_API_KEY: BACKEND_KEY,
      // Set, so that npm start writes nothing into the developer's .dev.vars.
      SWITCHYARD_API_KEYS: API_KEY,
      SWITCHYARD_JWT_SECRET: "npm-start-jwt-secret-0123456789abcdef",
      SWITCHYARD_METRICS_TOKEN: METRICS_TOKEN,
      SWITCHYARD_PROMPT_HASH_KEY: "npm-start-prompt-hash",
    },
  });
  processes.push(start);
  edgeUrl = `http://127.0.0.1:${edgePort}`;
  // npm start builds the web app and the edge bundle first.
  await waitForOk(`${edgeUrl}/health`, start, 240_000);
  ready = true;
}, 400_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("npm start: the edge on workerd", () => {
  it("the edge's socket belongs to workerd serving infra/workerd/switchyard.capnp, and no wrangler runs", (ctx) => {
    if (!ready || !start?.child.pid) return ctx.skip();
    const pid = listeningPid(edgePort);
    expect(pid, `nothing listens on ${edgePort}`).not.toBeNull();
    expect(realpathSync(readlinkSync(`/proc/${pid}/exe`))).toBe(realpathSync(workerdBinary()));
    const args = cmdline(pid as number);
    expect(args).toContain("serve");
    expect(args).toContain(join(ROOT, "infra", "workerd", "switchyard.capnp"));
    // It is npm start's own child (same process group), not some other edge on that port.
    expect(processGroup(pid as number)).toBe(start.child.pid);
    const group = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d) && processGroup(d) === start?.child.pid)
      .map((d) => cmdline(d).join(" "));
    expect(group.length).toBeGreaterThan(1);
    expect(group.filter((line) => line.includes("wrangler"))).toEqual([]);
  });

  it("streams a completion from the real backend through workerd", async (ctx) => {
    if (!ready) return ctx.skip();
    const res = await fetch(`${edgeUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "auto",
        stream: true,
        max_tokens: 24,
        messages: [{ role: "user", content: "Once upon a time" }],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-switchyard-model")).toBe(MODEL);
    // The learned router (onnxruntime-web wasm + the ONNX model, bundled modules) ran in workerd.
    expect(res.headers.get("x-switchyard-route-reason")).toMatch(/^classifier:q=\d\.\d\d/);
    const sse = await readSse(res);
    expect(sse.done).toBe(true);
    const deltas = sse.events
      .map((e) => (e as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? "")
      .filter((text) => text.length > 0);
    expect(deltas.length).toBeGreaterThan(1);
  });

  it("serves the web app from web/dist, with client-side routes falling back to index.html", async (ctx) => {
    if (!ready) return ctx.skip();
    const index = await fetch(`${edgeUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const js = await fetch(`${edgeUrl}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    await js.body?.cancel();
    const route = await navigate(`${edgeUrl}/chats/42`);
    expect(route.status).toBe(200);
    expect(route.body).toBe(html);
    // API paths always reach the worker (here its JSON 401: no credentials), never the app.
    const api = await navigate(`${edgeUrl}/v1/models`);
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toHaveProperty("error");
    // And so does a script's request for a path that is no file.
    const fromScript = await fetch(`${edgeUrl}/chats/42`);
    expect(fromScript.status).toBe(404);
    expect(fromScript.headers.get("content-type")).toContain("application/json");
  });

  it("pushes counters to the metrics Durable Object from waitUntil, kept on local disk (--persist-to)", async (ctx) => {
    if (!ready) return ctx.skip();
    // No scrape has run yet, so only the push the earlier requests scheduled (waitUntil, after
    // their responses) can have created the object's database: on workerd 1.20261117.1 under the
    // workers test pool that push never finished, so this checks it does on the runtime we ship.
    const objectDir = join(stateDir, "switchyard-metrics-aggregator");
    const pushed = () =>
      existsSync(objectDir) &&
      readdirSync(objectDir).some((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
    await expect.poll(pushed, { timeout: 15_000, interval: 200 }).toBe(true);
    const res = await fetch(`${edgeUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/switchyard_http_requests_total\{[^}]*route="\/v1\/chat\/completions"/);
  });
});
