// Workaround for Portkey gateway issues #1389 / #1550 ("TypeError: immutable" on streamed
// replies under Node): Portkey appends its x-portkey-* headers to the upstream fetch Response,
// whose headers are immutable in Node's fetch. Re-wrapping each upstream response in a new
// Response (what Portkey's own proposed fix does) keeps the body streaming and costs one object.
const upstreamFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const res = await upstreamFetch(input, init);
  return new Response(res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: new Headers(res.headers),
  });
};
