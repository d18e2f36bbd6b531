# syntax=docker/dockerfile:1
# Switchyard edge, self-hosted on workerd (Cloudflare's open-source Workers runtime): the bundle
# `wrangler deploy` uploads, served by infra/workerd/switchyard.capnp, not `wrangler dev`.
# Build from the repository root:
#   docker build -f infra/docker/edge.Dockerfile -t switchyard-edge .
#   docker run --rm -p 8787:8787 -v switchyard-edge-state:/data \
#     -e SWITCHYARD_BACKENDS='{"qwen2.5-7b-instruct":"https://qwen.internal:8443"}' \
#     -e SWITCHYARD_API_KEYS=... -e SWITCHYARD_BACKEND_API_KEY=... switchyard-edge
# Every edge setting (edge/src/config/env.ts) is an environment variable of the container.
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    WRANGLER_SEND_METRICS=false \
    WRANGLER_HIDE_BANNER=true \
    CLOUDFLARE_CF_FETCH_ENABLED=false
COPY package.json package-lock.json ./
COPY backends/package.json backends/
COPY edge/package.json edge/
COPY classifier/package.json classifier/
COPY web/package.json web/
COPY bench/package.json bench/
RUN npm ci -w edge -w web --include-workspace-root --no-audit --no-fund
COPY tsconfig.base.json wrangler.toml ./
COPY edge/ edge/
COPY web/ web/
COPY backends/models.json backends/models.json
COPY vocabulary/ vocabulary/
COPY infra/workerd/ infra/workerd/
# web/dist (the chat app), then dist/workerd (bundle, static-files worker, generated edge.capnp).
RUN npm run build:edge
# Also the stage Compose runs migrations from (`target: build`, `npm run db:migrate`).
COPY infra/db/ infra/db/

FROM debian:bookworm-slim AS runtime
# ca-certificates for TLS to backends, Upstash and Neon; curl for the health check.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1000 --create-home --shell /usr/sbin/nologin switchyard \
    && mkdir -p /data && chown switchyard /data
WORKDIR /app
COPY --from=build /app/node_modules/workerd/bin/workerd /usr/local/bin/workerd
COPY --from=build /app/infra/workerd/switchyard.capnp infra/workerd/switchyard.capnp
COPY --from=build /app/dist/workerd/ dist/workerd/
COPY --from=build /app/web/dist/ web/dist/
COPY infra/docker/edge-entrypoint.sh /usr/local/bin/edge-entrypoint
# The metrics Durable Object's SQLite files.
VOLUME ["/data"]
USER switchyard
EXPOSE 8787
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8787/health"]
STOPSIGNAL SIGTERM
# SWITCHYARD_*_FILE variables are read into their variables first (edge-entrypoint.sh).
ENTRYPOINT ["/bin/sh", "/usr/local/bin/edge-entrypoint"]
CMD ["/usr/local/bin/workerd", "serve", "/app/infra/workerd/switchyard.capnp", "--verbose", \
  "--directory-path", "web-assets=/app/web/dist", "--directory-path", "do-storage=/data", \
  "--socket-addr", "http=0.0.0.0:8787"]
