import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
// The server listens here in development (`npm run dev`); the dev server forwards API calls to it so the
// session cookie stays first-party and the UI talks to the real management API.
const apiTarget = process.env.SIDEKEY_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Mantine alone is ~400 kB minified; pages are split with React.lazy, the rest is one vendor chunk.
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/v1': { target: apiTarget, changeOrigin: false },
    },
  },
});
