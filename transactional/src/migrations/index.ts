import type { Kysely } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0006 from './0006-cash-sessions.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<unknown>): Promise<void>;
}

/** Numbered, forward-only. Append; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: m0001.up },
  { version: 6, name: 'cash-sessions', up: m0006.up },
];
