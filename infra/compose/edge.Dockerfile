# The edge worker for the Compose stack: the same code path as `npm start` (wrangler dev, workerd),
# listening on 0.0.0.0:8787. In production the worker runs on Cloudflare (`wrangler deploy`).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY edge/package.json edge/
COPY backends/package.json backends/
COPY classifier/package.json classifier/
COPY web/package.json web/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund -w edge --include-workspace-root=false
COPY wrangler.toml ./
COPY edge edge
COPY infra/compose/edge-entrypoint.sh /usr/local/bin/edge-entrypoint.sh
USER node
EXPOSE 8787
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:8787/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/bin/sh", "/usr/local/bin/edge-entrypoint.sh"]
