import { type Kysely, sql } from 'kysely';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Database } from './database.js';

/** One fact for the audit trail: who did what to which thing, and the details that matter. */
export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly detail: unknown;
  readonly requestId: string | null;
}

/** The hash every chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);
/** Arbitrary constant: the advisory lock that keeps the chain in one order. */
const AUDIT_CHAIN_LOCK = 7_245_002;

/** An entry's hash: sha256 of the previous entry's hash and this entry's canonical content. */
export function auditHash(prevHash: string, at: string, entry: AuditEntry): string {
  return sha256Hex(
    `${prevHash}\n${canonicalJson({ at, actor: entry.actor, action: entry.action, subject: entry.subject, detail: entry.detail ?? null, requestId: entry.requestId })}`,
  );
}

/**
 * Append an entry to the hash-chained, append-only audit log. Pass the transaction of the change
 * it records, so both commit or neither does. A transaction-scoped advisory lock orders the chain;
 * only sensitive actions are audited, so an ordinary sale never waits on it.
 */
export async function appendAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  const write = async (tx: Kysely<Database>) => {
    await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(tx);
    const last = await tx.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const prevHash = last?.hash ?? GENESIS_HASH;
    const at = new Date().toISOString();
    await tx
      .insertInto('audit_log')
      .values({
        at: new Date(at),
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        detail: JSON.stringify(entry.detail ?? null),
        request_id: entry.requestId,
        prev_hash: prevHash,
        hash: auditHash(prevHash, at, entry),
      })
      .execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  /** The first entry that does not match its hash or its predecessor, when the chain is broken. */
  readonly brokenAt?: { id: number; reason: 'hash' | 'link' };
  /** The last entry's hash: write it down elsewhere to detect a truncated tail later. */
  readonly headHash: string;
}

/** Walk the whole chain in order and recompute every hash. */
export async function verifyAuditChain(db: Kysely<Database>, batch = 5000): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let after = 0;
  let entries = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('id', '>', after).orderBy('id').limit(batch).execute();
    for (const r of rows) {
      entries++;
      if (r.prev_hash !== prev) return { ok: false, entries, brokenAt: { id: r.id, reason: 'link' }, headHash: prev };
      const entry = { actor: r.actor, action: r.action, subject: r.subject, detail: r.detail, requestId: r.request_id };
      if (auditHash(prev, r.at.toISOString(), entry) !== r.hash) return { ok: false, entries, brokenAt: { id: r.id, reason: 'hash' }, headHash: prev };
      prev = r.hash;
      after = r.id;
    }
    if (rows.length < batch) return { ok: true, entries, headHash: prev };
  }
}
