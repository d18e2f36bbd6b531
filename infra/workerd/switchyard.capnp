# The Switchyard edge on workerd, Cloudflare's open-source Workers runtime: the self-hosted
# production runtime (npm start, Compose, Helm). The worker code is the bundle `wrangler deploy`
# uploads, built by `npm run build:edge` (infra/workerd/build.ts) into dist/workerd/, which also
# writes edge.capnp (module list, bindings, compatibility settings, all from wrangler.toml and
# edge/src/config/schema.ts) imported below.
#
#   npm run build:edge
#   workerd serve infra/workerd/switchyard.capnp \
#     --directory-path web-assets=$PWD/web/dist --directory-path do-storage=$PWD/.wrangler/workerd \
#     --socket-addr http=127.0.0.1:8787 --verbose
#
# Every edge setting is read from the process environment when workerd starts (fromEnvironment
# bindings, one per variable of edge/src/config/env.ts; unset variables take the defaults).
# infra/workerd/launch.ts builds this command line for npm start, the bench and the tests.

using Workerd = import "/workerd/workerd.capnp";
using Edge = import "../../dist/workerd/edge.capnp";

const config :Workerd.Config = (
  services = [
    # The entry point. It applies wrangler.toml's [assets] rules itself (edge/src/static-assets.ts):
    # API paths go straight to the app, other GET/HEAD requests ask static-files first.
    (name = "edge", worker = .edgeWorker),
    (name = "static-files", worker = .staticFiles),
    # web/dist (the built chat app); path given with --directory-path web-assets=...
    (name = "web-assets", disk = (writable = false)),
    # The metrics Durable Object's SQLite files; path given with --directory-path do-storage=...
    (name = "do-storage", disk = (writable = true)),
    # Backends, Upstash and Neon may be on this host, the private network or the internet.
    (name = "internet", network = (
      allow = ["public", "private", "local"],
      tlsOptions = (trustBrowserCas = true),
    )),
  ],
  sockets = [
    # Behind a TLS proxy (infra/nginx, ingress-nginx) the request URL keeps the client's scheme.
    (name = "http", address = "127.0.0.1:8787", service = "edge",
     http = (forwardedProtoHeader = "X-Forwarded-Proto")),
  ],
);

const edgeWorker :Workerd.Worker = (
  modules = Edge.edgeModules,
  # The settings, the Durable Object, and STATIC_FILES / ASSETS_ROUTING for the [assets] rules.
  bindings = Edge.edgeBindings,
  compatibilityDate = Edge.compatibilityDate,
  compatibilityFlags = Edge.compatibilityFlags,
  durableObjectNamespaces = [
    # uniqueKey names the storage directory: never change it, or the stored totals are orphaned.
    (className = "MetricsAggregator", uniqueKey = "switchyard-metrics-aggregator", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
);

const staticFiles :Workerd.Worker = (
  modules = [(name = "static-files.js", esModule = embed "../../dist/workerd/static-files.js")],
  bindings = [
    (name = "ASSETS", service = "web-assets"),
    (name = "ASSETS_ROUTING", json = Edge.assetsRouting),
  ],
  compatibilityDate = Edge.compatibilityDate,
);
