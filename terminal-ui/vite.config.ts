import { defineConfig } from 'vite';

// Served by the Keel server from terminal-ui/dist at /terminal/ (see dist-path.mjs); public/ holds
// the service worker and the web app manifest, copied as they are.
export default defineConfig({
  root: import.meta.dirname,
  base: '/terminal/',
  // The offline catalog's Web Worker (catalog-worker.ts) is a module worker with its own chunk.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
