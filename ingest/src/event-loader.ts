import { parseEvent, type SaleCompletedV1 } from '@keel/core';
import { loadSaleEvents, recoverUnfinishedLoads, repairAggregates, type Warehouse } from '@keel/warehouse';
import { OneAtATime } from './one-at-a-time.js';

/** What one ingestion step decides for one message. */
export type StepResult<T> = { kind: 'ok'; value: T } | { kind: 'drop'; reason: string };

/** Step 1: bytes -> a known event, or drop (never crash on what we cannot read). */
export function decodeEvent(payload: string | Uint8Array): StepResult<SaleCompletedV1> {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  } catch {
    return { kind: 'drop', reason: 'not JSON' };
  }
  const parsed = parseEvent(raw);
  if (!parsed.ok) return { kind: 'drop', reason: parsed.reason };
  if (parsed.event.lines.length === 0) return { kind: 'drop', reason: 'sale without lines' };
  return { kind: 'ok', value: parsed.event };
}

export interface LoadReport {
  readonly loaded: number;
  readonly duplicates: number;
  readonly dropped: ReadonlyArray<{ index: number; reason: string }>;
  readonly storeIds: readonly number[];
}

/**
 * Loads a batch of event payloads into the warehouse in one insert. Resolves only after the
 * insert: the caller acks its messages then. Throws (caller retries the whole batch) when the
 * warehouse fails; the deduplication in loadSaleEvents makes the retry safe. Before its first
 * load and after any failed one it repairs loads that were cut off half-way (a crash or a failure
 * between a table and its views: see warehouse/src/load-ledger.ts).
 */
export class EventLoader {
  readonly #warehouse: Warehouse;
  readonly #onLoaded: ((storeIds: readonly number[]) => void) | undefined;
  #loadedTotal = 0;
  #droppedTotal = 0;
  #recoveryDue = true;
  /** Loads run one after another: the warehouse's "already stored" check assumes a single writer. */
  readonly #queue = new OneAtATime();

  constructor(warehouse: Warehouse, onLoaded?: (storeIds: readonly number[]) => void) {
    this.#warehouse = warehouse;
    this.#onLoaded = onLoaded;
  }

  get loadedTotal(): number {
    return this.#loadedTotal;
  }

  get droppedTotal(): number {
    return this.#droppedTotal;
  }

  /** Load a batch; a call made while another runs waits for it (two relay passes may deliver the same events). */
  load(payloads: ReadonlyArray<string | Uint8Array>): Promise<LoadReport> {
    return this.#queue.run(() => this.#load(payloads));
  }

  /**
   * Recompute the materialized views of these stores and days from the raw tables (only the
   * differences are written), between loads: a load in flight would otherwise be counted twice.
   */
  repairViews(storeIds: readonly number[], days: readonly string[]): Promise<void> {
    return this.#queue.run(() => repairAggregates(this.#warehouse, storeIds, days));
  }

  async #load(payloads: ReadonlyArray<string | Uint8Array>): Promise<LoadReport> {
    const events: SaleCompletedV1[] = [];
    const dropped: Array<{ index: number; reason: string }> = [];
    payloads.forEach((p, index) => {
      const r = decodeEvent(p);
      if (r.kind === 'ok') events.push(r.value);
      else dropped.push({ index, reason: r.reason });
    });
    const result = events.length > 0 ? await this.#loadEvents(events) : { loadedEvents: 0, skippedEvents: 0, rows: 0 };
    this.#loadedTotal += result.loadedEvents;
    this.#droppedTotal += dropped.length;
    const storeIds = [...new Set(events.map((e) => e.storeId))];
    if (result.loadedEvents > 0) this.#onLoaded?.(storeIds);
    return { loaded: result.loadedEvents, duplicates: result.skippedEvents, dropped, storeIds };
  }

  async #loadEvents(events: readonly SaleCompletedV1[]) {
    try {
      if (this.#recoveryDue) {
        await recoverUnfinishedLoads(this.#warehouse);
        this.#recoveryDue = false;
      }
      return await loadSaleEvents(this.#warehouse, events);
    } catch (err) {
      this.#recoveryDue = true;
      throw err;
    }
  }
}
