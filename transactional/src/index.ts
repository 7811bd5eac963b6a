export { createApiToken } from './api-tokens.js';
export { ConfigError, type KeelConfig, readConfig } from './config.js';
export type { Database } from './database.js';
export { type KeelServer, type StartOptions, startKeel } from './keel-server.js';
export { migrate, schemaVersion } from './migrate.js';
export { openDatabase } from './open-database.js';
export { PROBLEMS, Problem, type ProblemCode } from './problem.js';
export type { SaleResult } from './sale-service.js';
