/**
 * What a worker pays on workerd to stream an upstream reply, by how it touches the body
 * (bench/src/stream-cost.ts runs every entrypoint against the same fake upstream). UPSTREAM is
 * the upstream's base URL.
 */
const enc = new TextEncoder();

function upstream(env) {
  return fetch(`${env.UPSTREAM}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }),
  });
}

const sse = (body) => new Response(body, { headers: { "content-type": "text/event-stream" } });

/** The body handed to the client untouched: a native pipe. */
export const native = {
  async fetch(req, env) {
    await req.text();
    return sse((await upstream(env)).body);
  },
};

/** Each chunk read in JavaScript and enqueued as it came (no parsing). */
export const readEach = {
  async fetch(req, env) {
    await req.text();
    const reader = (await upstream(env)).body.getReader();
    return sse(
      new ReadableStream({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
      }),
    );
  },
};

/** Each chunk read, its events parsed and re-serialised: the least a relay that owns the reply does. */
export const relay = {
  async fetch(req, env) {
    await req.text();
    const reader = (await upstream(env)).body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    return sse(
      new ReadableStream({
        async pull(controller) {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            buffer += decoder.decode(value, { stream: true });
            let out = "";
            for (let at = buffer.indexOf("\n\n"); at >= 0; at = buffer.indexOf("\n\n")) {
              const data = buffer.slice(6, at);
              buffer = buffer.slice(at + 2);
              if (data === "[DONE]") {
                out += "data: [DONE]\n\n";
                continue;
              }
              const content = JSON.parse(data).choices?.[0]?.delta?.content ?? "";
              out += `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;
            }
            if (out) return controller.enqueue(enc.encode(out));
          }
        },
      }),
    );
  },
};

/** Tee'd: one branch piped natively, the other read in one piece at the end (watching, not relaying). */
export const teeNative = {
  async fetch(req, env, ctx) {
    await req.text();
    const [client, copy] = (await upstream(env)).body.tee();
    ctx.waitUntil(new Response(copy).text());
    return sse(client);
  },
};

/**
 * What the edge's spliced relay does at the least: the first chunk read in JavaScript and written,
 * the rest tee'd, one branch piped natively into the response (kept open), the other read once at
 * the end, then closing bytes written by the worker.
 */
export const spliced = {
  async fetch(req, env, ctx) {
    await req.text();
    const body = (await upstream(env)).body;
    const { readable, writable } = new IdentityTransformStream();
    ctx.waitUntil(
      (async () => {
        const reader = body.getReader();
        const first = await reader.read();
        reader.releaseLock();
        const writer = writable.getWriter();
        await writer.write(first.value);
        writer.releaseLock();
        const [client, copy] = body.tee();
        const copied = new Response(copy).arrayBuffer();
        await client.pipeTo(writable, { preventClose: true, preventAbort: true, preventCancel: true });
        const rest = await copied;
        const closing = writable.getWriter();
        await closing.write(enc.encode(`: end ${rest.byteLength}\n\ndata: [DONE]\n\n`));
        await closing.close();
      })(),
    );
    return sse(readable);
  },
};
