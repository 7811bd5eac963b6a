import type { Kysely } from 'kysely';
import type { PipelinesDatabase } from './pipelines-database.js';

/**
 * The embedded PostgreSQL (PGlite) as backups need it; the composition root provides it, since
 * transactional owns how PGlite is opened.
 */
export interface EmbeddedPostgres {
  /** A consistent copy of the live database: its data directory as a gzipped tarball. */
  dump(): Promise<Buffer>;
  /** Create a database at `dir` from such a tarball and open it. */
  openFromDump(dir: string, tarball: Buffer): Promise<{ readonly db: Kysely<PipelinesDatabase>; close(): Promise<void> }>;
}
