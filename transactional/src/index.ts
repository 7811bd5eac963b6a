export { readConfig, ConfigError, type KeelConfig } from './config.js';
export { startKeel, type KeelServer, type StartOptions } from './keel-server.js';
export { createApiToken } from './api-tokens.js';
export { PROBLEMS, Problem, type ProblemCode } from './problem.js';
export { migrate, schemaVersion } from './migrate.js';
export { openDatabase } from './open-database.js';
export type { Database } from './database.js';
export type { SaleResult } from './sale-service.js';
