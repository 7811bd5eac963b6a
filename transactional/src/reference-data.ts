import type { TaxRate } from '@keel/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface StoreInfo {
  readonly id: number;
  readonly name: string;
  readonly timeZone: string;
  readonly currency: string;
}

/**
 * Stores and tax classes change rarely and are read on every sale: kept in memory, reloaded on
 * a miss (a store or class added since) and at most every `maxAgeMs` otherwise.
 */
export class ReferenceData {
  readonly #db: Kysely<Database>;
  readonly #maxAgeMs: number;
  #stores = new Map<number, StoreInfo>();
  #taxes = new Map<string, TaxRate>();
  #loadedAt = 0;

  constructor(db: Kysely<Database>, maxAgeMs = 60_000) {
    this.#db = db;
    this.#maxAgeMs = maxAgeMs;
  }

  async store(id: number): Promise<StoreInfo | undefined> {
    if (!this.#stores.has(id) || this.#stale()) await this.reload();
    return this.#stores.get(id);
  }

  async stores(): Promise<StoreInfo[]> {
    if (this.#stale()) await this.reload();
    return [...this.#stores.values()].sort((a, b) => a.id - b.id);
  }

  async taxClass(code: string): Promise<TaxRate | undefined> {
    if (!this.#taxes.has(code) || this.#stale()) await this.reload();
    return this.#taxes.get(code);
  }

  async reload(): Promise<void> {
    const [stores, taxes] = await Promise.all([this.#db.selectFrom('stores').selectAll().execute(), this.#db.selectFrom('tax_classes').selectAll().execute()]);
    this.#stores = new Map(stores.map((s) => [s.id, { id: s.id, name: s.name, timeZone: s.time_zone, currency: s.currency }]));
    this.#taxes = new Map(taxes.map((t) => [t.code, { code: t.code, basisPoints: t.basis_points, inclusive: t.inclusive }]));
    this.#loadedAt = Date.now();
  }

  #stale(): boolean {
    return Date.now() - this.#loadedAt > this.#maxAgeMs;
  }
}
