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
      // The live dashboard, trends & forecast, the back office (sign-in, first-run owner, users, audit, a small till), and files.
      input: { dashboards: 'index.html', analytics: 'analytics.html', admin: 'admin/index.html', files: 'files/index.html' },
    },
  },
});
