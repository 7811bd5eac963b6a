import { createHash } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';

/** SQL text of each statement marked by `prepared`, to the name it is prepared under. */
const names = new Map<string, string>();

/**
 * Mark a hot, fixed-text statement to run as a named prepared statement on PostgreSQL: each connection
 * parses and plans it once, then only binds and executes (PostgreSQL's CPU for a barcode lookup fell
 * from ~440 to ~100 µs: planning the join had cost more than running it). The name is derived from the text, so one text is always one statement. Only for
 * statements whose plan does not depend on the parameters' values (a key probe, not a LIKE prefix:
 * PostgreSQL may switch a prepared statement to one generic plan). PGlite runs the text as usual.
 */
export function prepared<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  if (!names.has(query.sql)) names.set(query.sql, `keel_${createHash('sha1').update(query.sql).digest('hex').slice(0, 20)}`);
  return query;
}

/** PostgreSQL's "cached plan must not change result type": a prepared statement's columns changed under it (a migration run by another process). */
const resultTypeChanged = (e: { code?: string; routine?: string }) => e?.code === '0A000' && e.routine === 'RevalidateCachedQuery';

/** A node-postgres client that sends the statements marked by `prepared` by name; everything else as given. */
export class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: node-postgres' query is a dozen overloads; this passes each through unchanged.
  override query(config: any, values?: any, callback?: any): any {
    const name = typeof config === 'string' && Array.isArray(values) && callback === undefined ? names.get(config) : undefined;
    if (name === undefined) return super.query(config, values, callback);
    return super.query({ name, text: config, values }).catch((e: { code?: string; routine?: string }) => {
      if (!resultTypeChanged(e)) throw e;
      // Each connection keeps its stale statement: from now on this text runs unprepared, as before
      // (inside a transaction, that transaction has failed once).
      names.delete(config);
      return super.query(config, values);
    });
  }
}
