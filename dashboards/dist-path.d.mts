/** Absolute path of the built dashboards (`vite build` output), for @fastify/static at `/dashboards/`. */
export declare const dashboardsDist: string;
