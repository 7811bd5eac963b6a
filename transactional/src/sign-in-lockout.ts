import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { Problem } from './problem.js';

/** Failures allowed before the first lock. */
export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 30_000;
const LONGEST_LOCK_MS = 60 * 60_000;

/**
 * Lockout with back-off, per account and credential kind ('password:anna', 'pin:anna'): after five
 * failures the account is locked for 30 s, doubling with each further failure up to an hour. Kept
 * for unknown usernames too, so a lock says nothing about whether the name exists.
 */
export class SignInLockout {
  readonly #db: Kysely<Database>;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  /** Throws `auth.locked` while the key is locked. */
  async check(key: string): Promise<void> {
    const row = await this.#db.selectFrom('sign_in_failures').selectAll().where('key', '=', key).executeTakeFirst();
    const until = row?.locked_until?.getTime() ?? 0;
    const now = this.#now().getTime();
    if (until > now) {
      const seconds = Math.ceil((until - now) / 1000);
      throw new Problem('auth.locked', `too many failed attempts; try again in ${seconds} s`, { retryAfterSeconds: seconds });
    }
  }

  async failed(key: string): Promise<number> {
    const row = await this.#db
      .insertInto('sign_in_failures')
      .values({ key, failures: 1, locked_until: null })
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ failures: eb('sign_in_failures.failures', '+', 1) })))
      .returning('failures')
      .executeTakeFirstOrThrow();
    if (row.failures >= FREE_FAILURES) {
      const ms = Math.min(FIRST_LOCK_MS * 2 ** (row.failures - FREE_FAILURES), LONGEST_LOCK_MS);
      await this.#db
        .updateTable('sign_in_failures')
        .set({ locked_until: new Date(this.#now().getTime() + ms) })
        .where('key', '=', key)
        .execute();
    }
    return row.failures;
  }

  async succeeded(key: string): Promise<void> {
    await this.#db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
  }
}

/** A fixed-window request counter per client address, for sign-in endpoints. In memory: per server. */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #hits = new Map<string, { count: number; start: number }>();

  readonly #refuse: (seconds: number) => Problem;

  constructor(
    limit: number,
    windowMs: number,
    refuse: (seconds: number) => Problem = (seconds) =>
      new Problem('auth.rate_limited', `too many sign-in attempts from this address; wait ${seconds} s`, { retryAfterSeconds: seconds }),
  ) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#refuse = refuse;
  }

  /** Throws (`auth.rate_limited` unless told otherwise) once `key` has made more than `limit` requests in the window. */
  hit(key: string): void {
    const now = Date.now();
    let h = this.#hits.get(key);
    if (!h || now - h.start >= this.#windowMs) {
      if (this.#hits.size > 10_000) this.#hits.clear();
      h = { count: 0, start: now };
      this.#hits.set(key, h);
    }
    h.count++;
    if (h.count > this.#limit) {
      const seconds = Math.ceil((h.start + this.#windowMs - now) / 1000);
      throw this.#refuse(seconds);
    }
  }
}
