export type { BenchResult, ScenarioOutcome, TableRow } from './bench-result.js';
export { formatJson, formatReport, formatTable } from './bench-result.js';
export { CatalogProbe } from './catalog-probe.js';
export { type HttpLoadOptions, type HttpLoadStep, runHttpLoad } from './http-load.js';
export { freePort, KeelProcess, type KeelProcessOptions } from './keel-process.js';
export { type PgbenchOptions, type PgbenchRun, runPgbench } from './pgbench.js';
export type { Scenario, ScenarioOptions } from './scenario.js';
export { LOCAL_POSTGRES, type PostgresServer, ScratchDatabase } from './scratch-database.js';
