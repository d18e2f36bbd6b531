# syntax=docker/dockerfile:1
# Switchyard model server with CUDA offload. Build from the repository root:
#   docker build -f infra/docker/backend-cuda.Dockerfile -t switchyard-backend-cuda .
#   docker run --rm --gpus all -p 8085:8080 -v /path/to/models:/models:ro \
#     switchyard-backend-cuda --model llama-3.1-nemotron-51b-instruct --gpu-layers max
# node-llama-cpp's prebuilt @node-llama-cpp/linux-x64-cuda binary needs only the CUDA runtime
# libraries of the base image; nothing is compiled in the image or at run time.
ARG NODE_VERSION=20.20.2
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-runtime-ubuntu22.04

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
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
RUN npm run build -w backends

# Node itself comes from the official image: same version as the build stage, no apt repo needed.
FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM ${CUDA_IMAGE} AS runtime
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && groupadd --gid 1000 switchyard \
 && useradd --uid 1000 --gid switchyard --no-create-home --shell /usr/sbin/nologin switchyard
ENV NODE_ENV=production \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    SWITCHYARD_MODEL_DIR=/models \
    SWITCHYARD_HOST=0.0.0.0 \
    SWITCHYARD_PORT=8080 \
    SWITCHYARD_GPU=auto
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
VOLUME ["/models"]
USER switchyard
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=300s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SWITCHYARD_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "backends/dist/cli.js"]
CMD ["--model", "qwen2.5-7b-instruct"]
