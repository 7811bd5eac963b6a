import { defineConfig } from 'vite';

// Served by the Keel server from dashboards/dist at /dashboards/ (see dist-path.mjs).
export default defineConfig({
  root: import.meta.dirname,
  base: '/dashboards/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: { main: `${import.meta.dirname}/index.html`, analytics: `${import.meta.dirname}/analytics.html` },
    },
  },
});
