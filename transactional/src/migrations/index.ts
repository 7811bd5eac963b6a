import type { Kysely } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0007 from './0007-pipelines.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<unknown>): Promise<void>;
}

/** Numbered, forward-only. Append; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: m0001.up },
  { version: 7, name: 'pipelines', up: m0007.up },
];
