import { fileURLToPath } from 'node:url';

/** Absolute path of the built dashboards (`vite build` output), for @fastify/static at `/dashboards/`. */
export const dashboardsDist = fileURLToPath(new URL('./dist/', import.meta.url));
