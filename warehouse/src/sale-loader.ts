import { createHash } from 'node:crypto';
import type { SaleCompletedV1 } from '@keel/core';
import { beginLoad, finishLoad } from './load-ledger.js';
import { type SaleLineRow, type SaleTenderRow, saleLineRows, saleTenderRows } from './sale-line-row.js';
import type { Warehouse } from './warehouse.js';

export interface SaleLoadResult {
  /** Events whose lines were inserted by this call. */
  loadedEvents: number;
  /** Events not inserted: already in the warehouse, repeated in the batch, or unstorable. */
  skippedEvents: number;
  /** Sale lines inserted. */
  rows: number;
}

/**
 * Load a batch of sale events into `sale_lines` so that each event counts once in every figure,
 * however often it is delivered: events already stored are dropped (one look-up per batch),
 * repeats within the batch are dropped, and the rest go in ONE insert whose deduplication token
 * is derived from the event ids, so retrying the same insert is a no-op. The load is recorded in
 * the ledger (load-ledger.ts) so that one cut off between a table and its views can be repaired:
 * after a failure, run `recoverUnfinishedLoads` before loading again. Assumes a single writer.
 */
export async function loadSaleEvents(wh: Warehouse, events: readonly SaleCompletedV1[]): Promise<SaleLoadResult> {
  const candidates = new Map<string, SaleLineRow[]>();
  const tenders = new Map<string, SaleTenderRow[]>();
  for (const event of events) {
    const rows = saleLineRows(event);
    const first = rows?.[0];
    if (rows === null || first === undefined || candidates.has(first.event_id)) continue;
    candidates.set(first.event_id, rows);
    tenders.set(first.event_id, saleTenderRows(event, first));
  }
  if (candidates.size === 0) return { loadedEvents: 0, skippedEvents: events.length, rows: 0 };
  const scope = scopeOf(candidates);
  for (const id of await storedEventIds(wh, 'sale_tenders', scope, candidates)) tenders.delete(id);
  for (const id of await storedEventIds(wh, 'sale_lines', scope, candidates)) candidates.delete(id);
  const ids = [...candidates.keys()].sort();
  const rows = ids.flatMap((id) => candidates.get(id) ?? []);
  const tenderIds = [...tenders.keys()].sort();
  const tenderRows = tenderIds.flatMap((id) => tenders.get(id) ?? []);
  if (rows.length > 0 || tenderRows.length > 0) {
    const batch = await beginLoad(wh, scope);
    // Tenders go first: lines are the record that an event is loaded, so a failure between the two
    // inserts retries both, and the tender insert's own look-up and token keep it counted once.
    if (tenderRows.length > 0) await wh.insertRows('sale_tenders', tenderRows, saleBatchToken(tenderIds));
    if (rows.length > 0) await wh.insertRows('sale_lines', rows, saleBatchToken(ids));
    await finishLoad(wh, [batch]);
  }
  return { loadedEvents: ids.length, skippedEvents: events.length - ids.length, rows: rows.length };
}

/** The deduplication token of an insert of these events: sha256 hex of the sorted ids. */
export function saleBatchToken(eventIds: readonly string[]): string {
  return createHash('sha256')
    .update([...eventIds].sort().join('\n'))
    .digest('hex');
}

interface Scope {
  readonly storeIds: number[];
  readonly days: string[];
}

function scopeOf(candidates: ReadonlyMap<string, readonly SaleLineRow[]>): Scope {
  const stores = new Set<number>();
  const days = new Set<string>();
  for (const rows of candidates.values()) {
    const first = rows[0];
    if (first === undefined) continue;
    stores.add(first.store_id);
    days.add(first.business_day);
  }
  return { storeIds: [...stores], days: [...days] };
}

/** Event ids of the batch already in `table`. Store and day narrow the scan to few granules. */
async function storedEventIds(wh: Warehouse, table: 'sale_lines' | 'sale_tenders', scope: Scope, candidates: ReadonlyMap<string, unknown>): Promise<string[]> {
  const found = await wh.query<{ event_id: string }>(
    `SELECT DISTINCT event_id FROM ${table}
WHERE store_id IN {stores:Array(UInt32)} AND business_day IN {days:Array(Date)} AND event_id IN {ids:Array(UUID)}`,
    { stores: scope.storeIds, days: scope.days, ids: [...candidates.keys()] },
  );
  return found.map((r) => r.event_id.toLowerCase());
}
