import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: web/ is the root, the output goes to dist/web where `serve` and the function
 * app's dashboardPage find it. `base: './'` keeps every asset URL relative, so the same files work under
 * /api/dashboard/ locally and in Azure; nothing is loaded from another origin (the CSP forbids it).
 */
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    assetsDir: 'assets',
    // The page has no external fonts or images; a data: URL would only hide an asset from the CSP review.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: the API from a running `serve`.
    proxy: { '/api/stats': 'http://127.0.0.1:7077', '/api': { target: 'http://127.0.0.1:7077', bypass: (req) => (req.url?.startsWith('/api/dashboard') ? req.url : undefined) } },
  },
});
