# syntax=docker/dockerfile:1
# Switchyard model server, CPU build. Build from the repository root:
#   docker build -f infra/docker/backend.Dockerfile -t switchyard-backend .
#   docker run --rm -p 8081:8080 -v /path/to/models:/models:ro -e SWITCHYARD_THREADS=8 \
#     switchyard-backend --model qwen2.5-7b-instruct
# node-llama-cpp ships prebuilt llama.cpp binaries; nothing is compiled in the image or at run time.
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Prebuilt binaries come from the @node-llama-cpp/* optional packages; never download or build.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
COPY package.json package-lock.json ./
COPY backends/package.json backends/
COPY edge/package.json edge/
COPY classifier/package.json classifier/
COPY web/package.json web/
COPY bench/package.json bench/
RUN npm ci -w backends --include-workspace-root --no-audit --no-fund
COPY backends/ backends/
# The words shared with the edge (error kinds, log fields, metric names, prompt hash), imported
# relatively; the build transpiles them in place (vocabulary/*.js, ignored by git).
COPY vocabulary/ vocabulary/
# Transpile file by file (same layout as src/, so paths relative to the repo root still hold).
RUN npm run build -w backends

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    SWITCHYARD_MODEL_DIR=/models \
    SWITCHYARD_HOST=0.0.0.0 \
    SWITCHYARD_PORT=8080 \
    SWITCHYARD_GPU=off
WORKDIR /app
COPY package.json package-lock.json ./
COPY backends/package.json backends/
COPY edge/package.json edge/
COPY classifier/package.json classifier/
COPY web/package.json web/
COPY bench/package.json bench/
RUN npm ci --omit=dev -w backends --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/backends/dist backends/dist
COPY --from=build /app/vocabulary/*.js vocabulary/
COPY backends/models.json backends/models.json
# GGUF files are mounted, never baked into the image.
VOLUME ["/models"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SWITCHYARD_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "backends/dist/cli.js"]
CMD ["--model", "qwen2.5-7b-instruct"]
