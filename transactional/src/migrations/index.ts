import type { Kysely } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-people-and-trust.js';
import * as m0003 from './0003-catalog-at-scale.js';
import * as m0004 from './0004-catalog-words.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<unknown>): Promise<void>;
  /** false for the few statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY): such a migration runs alone. */
  readonly transactional?: boolean;
}

/** Numbered, forward-only. Append; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: m0001.up },
  { version: 2, name: 'people-and-trust', up: m0002.up },
  { version: 3, name: 'catalog-at-scale', up: m0003.up },
  { version: 4, name: 'catalog-words', up: m0004.up },
];
