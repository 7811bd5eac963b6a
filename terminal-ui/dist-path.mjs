import { fileURLToPath } from 'node:url';

/** Absolute path of the built terminal (`vite build` output), for @fastify/static at `/terminal/`. */
export const terminalDist = fileURLToPath(new URL('./dist/', import.meta.url));
