/** Absolute path of the built terminal (`vite build` output), for @fastify/static at `/terminal/`. */
export declare const terminalDist: string;
