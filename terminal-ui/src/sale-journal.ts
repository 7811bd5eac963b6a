import { isUuid, type SaleRequest } from '@keel/core';
import { journalAll, journalPut } from './local-store.js';

/**
 * The till's journal of sales. A sale is written here (committed to IndexedDB) BEFORE it is sent,
 * and replayed with the same UUID until the server has it. Entries that cannot be read are
 * quarantined, and sales the server refuses are kept as conflicts for a manager: never dropped.
 */
export type JournalStatus = 'pending' | 'synced' | 'conflict' | 'quarantined';

export interface JournalEntry {
  readonly id: string;
  readonly request: SaleRequest;
  readonly status: JournalStatus;
  /** Till time the sale was journaled (ms since epoch). */
  readonly journaledAt: number;
  readonly offline: boolean;
  readonly attempts: number;
  /** The user id of the cashier signed in when the sale was taken (it is recorded under them). */
  readonly cashierId?: number | undefined;
  /** Why the entry is a conflict or quarantined. */
  readonly problem?: string | undefined;
  readonly syncedAt?: number | undefined;
}

/** A journal entry as it came out of storage: anything, until checked. */
export function readEntry(raw: unknown): { ok: true; entry: JournalEntry } | { ok: false; id: string; reason: string } {
  const e = raw as Partial<JournalEntry> | null;
  const id = typeof e?.id === 'string' ? e.id : String((e as { id?: unknown })?.id ?? '?');
  if (!e || typeof e !== 'object') return { ok: false, id, reason: 'not an object' };
  if (!isUuid(e.id)) return { ok: false, id, reason: 'the sale id is not a UUID' };
  const r = e.request as Partial<SaleRequest> | undefined;
  if (!r || typeof r !== 'object' || r.id !== e.id) return { ok: false, id, reason: 'the sale is missing or names another id' };
  if (!Array.isArray(r.lines) || r.lines.length === 0 || !r.lines.every((l) => Number.isSafeInteger(l?.productId) && Number.isSafeInteger(l?.quantityMilli))) {
    return { ok: false, id, reason: 'the lines are damaged' };
  }
  if (!Array.isArray(r.tenders) || !r.tenders.every((t) => typeof t?.kind === 'string' && Number.isSafeInteger(t?.amount))) {
    return { ok: false, id, reason: 'the tenders are damaged' };
  }
  if (e.cashierId !== undefined && !Number.isSafeInteger(e.cashierId)) return { ok: false, id, reason: 'the cashier is damaged' };
  if (!['pending', 'synced', 'conflict', 'quarantined'].includes(String(e.status))) return { ok: false, id, reason: 'unknown status' };
  return { ok: true, entry: e as JournalEntry };
}

export class SaleJournal {
  /** Write a new sale; resolves once IndexedDB has committed it. */
  async append(request: SaleRequest, offline: boolean, cashierId: number | undefined): Promise<JournalEntry> {
    const entry: JournalEntry = { id: request.id, request, status: 'pending', journaledAt: Date.now(), offline, attempts: 0, cashierId };
    await journalPut(entry);
    return entry;
  }

  async update(entry: JournalEntry): Promise<void> {
    await journalPut(entry);
  }

  /** Every readable entry; unreadable ones are quarantined on the way (kept, with the reason). */
  async entries(): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    for (const raw of await journalAll()) {
      const read = readEntry(raw);
      if (read.ok) {
        out.push(read.entry);
      } else if ((raw as { status?: unknown })?.status !== 'quarantined') {
        await journalPut({ ...(raw as object), id: read.id, status: 'quarantined', problem: read.reason, raw: safeCopy(raw) });
      }
    }
    return out.sort((a, b) => a.journaledAt - b.journaledAt);
  }

  /** Counts for the status bar, quarantined entries included. */
  async counts(): Promise<Record<JournalStatus, number>> {
    const c: Record<JournalStatus, number> = { pending: 0, synced: 0, conflict: 0, quarantined: 0 };
    for (const raw of await journalAll()) {
      const s = (raw as { status?: JournalStatus })?.status;
      const read = readEntry(raw);
      if (!read.ok || s === 'quarantined') c.quarantined++;
      else c[read.entry.status]++;
    }
    return c;
  }
}

function safeCopy(raw: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(raw));
  } catch {
    return null;
  }
}
