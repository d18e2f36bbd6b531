import { Client, type neonConfig } from "@neondatabase/serverless";
import { LOG_FIELDS } from "../../../vocabulary/log-fields";
import {
  columnValuesOf,
  logFieldsOf,
  REQUEST_LOG_COLUMNS,
  type RequestLogSink,
  type RequestRecord,
} from "./request-record";

type WebSocketConstructor = NonNullable<(typeof neonConfig)["webSocketConstructor"]>;

export interface PostgresSinkOptions {
  /** postgres:// URL (Neon in production; a local server behind `wsProxy` in dev and CI). */
  connectionString: string;
  /**
   * `host:port` of a Neon wsproxy in front of a local Postgres (env SWITCHYARD_NEON_WSPROXY).
   * Turns off TLS on the WebSocket and inside it: only for loopback development servers.
   */
  wsProxy?: string;
  /** WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketConstructor?: WebSocketConstructor;
  /** Give up on one write after this long (it counts as failed). Default 5000 ms. */
  timeoutMs?: number;
  /** Where failures are reported, one JSON line each. Default console.error. */
  logLine?: (line: string) => void;
  /** Called once per failed write (e.g. to count it in /metrics). */
  onFailure?: () => void;
}

/** Counters for /metrics. */
export interface RequestLogStats {
  written: number;
  failed: number;
}

export interface PostgresSink extends RequestLogSink {
  stats(): RequestLogStats;
}

const COLUMNS = Object.values(REQUEST_LOG_COLUMNS).map((name) => `"${name}"`);

const INSERT_SQL = `INSERT INTO requests (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (id) DO NOTHING`;

/** Closes the driver's WebSocket of a client that never finished connecting. */
function abandon(client: Client): void {
  try {
    const socket = client.connection.stream as unknown as { end?: () => void };
    socket.end?.();
  } catch {
    // Nothing left to clean up.
  }
}

/**
 * Request log in Postgres through the Neon serverless driver (WebSocket; runs in workerd and
 * Node). Each write uses its own short-lived connection, because Workers cannot share a socket
 * between requests; call it inside `ctx.waitUntil`. A database outage never throws: the write
 * resolves, the failure is counted in `stats()` and reported as one JSON line carrying the
 * record (metadata only, prompts are hashes), so nothing is lost from the logs.
 * Duplicate ids are ignored, so a retried write is harmless.
 *
 * @example
 * const sink = createPostgresSink({ connectionString: env.DATABASE_URL, wsProxy: env.SWITCHYARD_NEON_WSPROXY });
 * c.executionCtx.waitUntil(sink.write(record));
 */
export function createPostgresSink(opts: PostgresSinkOptions): PostgresSink {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const logLine = opts.logLine ?? ((line: string) => console.error(line));
  const counters: RequestLogStats = { written: 0, failed: 0 };

  const newClient = () => {
    const client = new Client({ connectionString: opts.connectionString });
    if (opts.webSocketConstructor) client.neonConfig.webSocketConstructor = opts.webSocketConstructor;
    if (opts.wsProxy) {
      const proxy = opts.wsProxy.replace(/^wss?:\/\//, "").replace(/\/+$/, "");
      client.neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
      client.neonConfig.useSecureWebSocket = false;
      client.neonConfig.pipelineTLS = false;
    }
    // A connection error after connect (e.g. the server going away) must not become an
    // unhandled 'error' event.
    client.on("error", () => {});
    return client;
  };

  const insert = async (record: RequestRecord) => {
    const client = newClient();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`request log write timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    let connected = false;
    try {
      await Promise.race([
        (async () => {
          await client.connect();
          connected = true;
          await client.query(INSERT_SQL, columnValuesOf(record));
        })(),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
      if (connected) {
        // Ending can itself fail or hang on a broken socket; never let it hold the write.
        void client.end().catch(() => {});
      } else {
        // client.end() would send a Terminate message on a WebSocket still CONNECTING, which
        // the driver does from a timer, where the throw cannot be caught. Close the socket bare.
        abandon(client);
      }
    }
  };

  return {
    async write(record) {
      try {
        await insert(record);
        counters.written++;
      } catch (err) {
        counters.failed++;
        try {
          opts.onFailure?.();
          logLine(
            JSON.stringify({
              [LOG_FIELDS.msg]: "request log write failed",
              [LOG_FIELDS.error]: err instanceof Error ? err.message : String(err),
              failed_writes: counters.failed,
              record: logFieldsOf(record),
            }),
          );
        } catch {
          // Reporting must not throw either.
        }
      }
    },
    stats: () => ({ ...counters }),
  };
}
