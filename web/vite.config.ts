import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Paths the edge worker answers itself; everything else is the single-page app. */
const gatewayPaths = ["/v1", "/generate", "/health", "/metrics", "/openapi.json", "/dev"];

// `npm run dev -w web` serves the app with hot reload and forwards API calls to the edge
// (`npm start`, http://localhost:8787 unless SWITCHYARD_EDGE_URL says otherwise).
const edgeUrl = process.env.SWITCHYARD_EDGE_URL ?? "http://localhost:8787";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: Object.fromEntries(gatewayPaths.map((path) => [path, { target: edgeUrl, changeOrigin: true }])),
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
