import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database, UserRow } from './database.js';
import { verifySecret } from './password-hash.js';
import type { SignInLockout } from './sign-in-lockout.js';

/**
 * HTTP Basic credentials for WebDAV clients, checked against users' passwords with the same lockout
 * as sign-in. A file manager sends the password with every request; verifying scrypt each time would
 * cost ~300 ms per request, so a verified pair is remembered briefly (by its sha256, never in clear).
 * The user row is read each time, so a deactivated user or a changed role takes effect at once.
 */
export class BasicCredentials {
  readonly #db: Kysely<Database>;
  readonly #lockout: SignInLockout;
  readonly #ttlMs: number;
  readonly #verified = new Map<string, { userId: number; until: number }>();

  constructor(db: Kysely<Database>, lockout: SignInLockout, ttlMs = 60_000) {
    this.#db = db;
    this.#lockout = lockout;
    this.#ttlMs = ttlMs;
  }

  /** The active user named by an `Authorization: Basic` header value, or null. Throws auth.locked when locked out. */
  async verify(header: string, ip: string): Promise<UserRow | null> {
    const m = /^Basic ([A-Za-z0-9+/=]{4,1400})$/.exec(header);
    if (!m) return null;
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return null;
    const username = decoded.slice(0, colon).toLowerCase();
    const password = decoded.slice(colon + 1);
    const cacheKey = createHash('sha256').update(`${username}\0${password}`).digest('hex');
    const now = Date.now();
    const hit = this.#verified.get(cacheKey);
    const user = await this.#db.selectFrom('users').selectAll().where('username', '=', username).where('active', '=', true).executeTakeFirst();
    if (hit && hit.until > now && user?.id === hit.userId) return user;
    this.#verified.delete(cacheKey);
    const key = `password:${username}`;
    await this.#lockout.check(key);
    if (!(await verifySecret(password, user?.password_hash)) || !user) {
      const failures = await this.#lockout.failed(key);
      await appendAudit(this.#db, {
        actor: 'anonymous',
        action: 'auth.sign_in_failed',
        subject: username,
        detail: { how: 'webdav', failures, ip },
        requestId: null,
      });
      return null;
    }
    await this.#lockout.succeeded(key);
    if (this.#verified.size > 10_000) this.#verified.clear();
    this.#verified.set(cacheKey, { userId: user.id, until: now + this.#ttlMs });
    return user;
  }
}
