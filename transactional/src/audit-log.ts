import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** One fact for the audit trail: who did what to which thing, and the details that matter. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly detail: unknown;
  readonly requestId: string | null;
}

/**
 * Append an entry. Pass the transaction of the change it records, so both commit or neither does.
 * (Every sensitive action goes through here; the people-and-trust work makes the log hash-chained.)
 */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor: entry.actor, action: entry.action, subject: entry.subject, detail: JSON.stringify(entry.detail ?? null), request_id: entry.requestId })
    .execute();
}
