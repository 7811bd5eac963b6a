import type { Kysely } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-people-and-trust.js';
import * as m0003 from './0003-catalog-at-scale.js';
import * as m0004 from './0004-catalog-words.js';
import * as m0006 from './0006-cash-sessions.js';
import * as m0007 from './0007-pipelines.js';
import * as m0008 from './0008-files.js';
import * as m0009 from './0009-sale-details.js';
import * as m0011 from './0011-back-office.js';
import * as m0012 from './0012-cash-sessions-by-receipt.js';
import * as m0013 from './0013-sale-flag-tax.js';
import * as m0014 from './0014-catalog-change-notices.js';

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
  { version: 6, name: 'cash-sessions', up: m0006.up },
  { version: 7, name: 'pipelines', up: m0007.up },
  { version: 8, name: 'files', up: m0008.up },
  { version: 9, name: 'sale-details', up: m0009.up },
  { version: 11, name: 'back-office', up: m0011.up },
  { version: 12, name: 'cash-sessions-by-receipt', up: m0012.up },
  { version: 13, name: 'sale-flag-tax', up: m0013.up },
  { version: 14, name: 'catalog-change-notices', up: m0014.up },
];
