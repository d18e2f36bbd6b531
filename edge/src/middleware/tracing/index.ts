import type { MiddlewareHandler } from "hono";
import { background } from "../../http/background";
import { SWITCHYARD_HEADERS } from "../../http/context";
import { type EdgeSpan, spanOf } from "../../http/span";

export { type EdgeSpan, spanOf };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const randomHex = (bytes: number) => {
  let hex = "";
  for (const b of crypto.getRandomValues(new Uint8Array(bytes))) hex += HEX[b];
  return hex;
};

/** Continues a valid incoming `traceparent` (all-zero ids are invalid), else starts a trace. */
export function startSpan(incoming: string | null | undefined): EdgeSpan {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  const valid = match && !/^0+$/.test(match[1] as string) && !/^0+$/.test(match[2] as string);
  const traceId = valid ? (match[1] as string) : randomHex(16);
  const spanId = randomHex(8);
  return {
    traceId,
    spanId,
    parentSpanId: valid ? (match[2] as string) : undefined,
    traceparent: `00-${traceId}-${spanId}-01`,
    attributes: {},
  };
}

export interface TracingOptions {
  serviceName?: string;
  /** Base OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<endpoint>/v1/traces`. */
  endpoint: (env: unknown) => string | undefined;
  fetch?: typeof fetch;
}

type Attribute = { key: string; value: { stringValue: string } | { intValue: string } };
const attr = (key: string, value: string | number): Attribute =>
  typeof value === "number"
    ? { key, value: { intValue: String(value) } }
    : { key, value: { stringValue: value } };
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

/** The OTLP/HTTP JSON body for one server span (the wire format of the OpenTelemetry spec). */
export function otlpTraceBody(
  serviceName: string,
  span: EdgeSpan,
  name: string,
  startMs: number,
  endMs: number,
  attributes: Attribute[],
  error: boolean,
) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr("service.name", serviceName)] },
        scopeSpans: [
          {
            scope: { name: "switchyard-edge" },
            spans: [
              {
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
                name,
                kind: 2, // SERVER
                startTimeUnixNano: nanos(startMs),
                endTimeUnixNano: nanos(endMs),
                attributes,
                status: { code: error ? 2 : 1 },
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * One SERVER span per request, continuing the caller's W3C `traceparent` when valid. The proxy
 * sends `spanOf(c).traceparent` upstream, so the backend's span joins the same trace.
 * The span ends when the response body is done (streams included) and is exported as OTLP/HTTP
 * JSON with `fetch` off the response path (`waitUntil`). The OpenTelemetry Node SDK does not run
 * in workerd, so this exporter is the few lines the wire format needs. Attributes carry the
 * request id, route pattern, status and answering model, never the prompt.
 *
 * @example app.use("*", tracing({ endpoint: (env) => env.OTEL_EXPORTER_OTLP_ENDPOINT }));
 */
export function tracing(options: TracingOptions): MiddlewareHandler {
  const serviceName = options.serviceName ?? "switchyard-edge";
  return async (c, next) => {
    const span = startSpan(c.req.header("traceparent"));
    c.set("span", span);
    const startMs = Date.now();
    await next();
    const endpoint = options.endpoint(c.env);
    if (!endpoint) return;
    const route = c.req.routePath || "unmatched";
    const res = c.res;
    const attributes = [
      attr("switchyard.request_id", c.get("requestId") ?? ""),
      attr("http.request.method", c.req.method),
      attr("http.route", route),
      attr("http.response.status_code", res.status),
      attr("switchyard.model", res.headers.get(SWITCHYARD_HEADERS.model) ?? "none"),
      attr("switchyard.route_reason", res.headers.get(SWITCHYARD_HEADERS.routeReason) ?? "none"),
      attr("switchyard.cache", res.headers.get(SWITCHYARD_HEADERS.cache) ?? "none"),
    ];
    const send = () =>
      (options.fetch ?? fetch)(`${endpoint.replace(/\/$/, "")}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          otlpTraceBody(
            serviceName,
            span,
            `${c.req.method} ${route}`,
            startMs,
            Date.now(),
            [
              ...attributes.filter((a) => !(a.key in span.attributes)),
              ...Object.entries(span.attributes).map(([k, v]) => attr(k, v)),
            ],
            res.status >= 500,
          ),
        ),
      }).then((r) => {
        if (!r.ok) throw new Error(`OTLP endpoint answered ${r.status}`);
      });
    const exportSpan = () =>
      background(
        c,
        send().catch((error: unknown) =>
          console.error(JSON.stringify({ msg: "span export failed", error: String(error) })),
        ),
      );
    if (!res.body) {
      exportSpan();
      return;
    }
    // End the span when the body has been sent (or the client went away).
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      exportSpan();
    };
    const body = res.body.pipeThrough(new TransformStream({ flush: end }));
    c.req.raw.signal?.addEventListener("abort", end, { once: true });
    c.res = new Response(body, res);
  };
}
