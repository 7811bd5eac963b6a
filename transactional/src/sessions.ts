import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sha256Hex } from './canonical-json.js';
import type { Database, UserRow } from './database.js';
import { prepared } from './prepared-statements.js';
import { type EnrolledTill, tillKeyHash } from './tills.js';

const SECURE_COOKIE = '__Host-keel_session';
const PLAIN_COOKIE = 'keel_session';
const LOCAL_HOSTS = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The session cookie is `__Host-keel_session` (Secure, HttpOnly, SameSite=Strict, Path=/, no
 * Domain) whenever the browser can keep a Secure cookie: over HTTPS, and on localhost, which
 * browsers treat as a secure context. A till reaching the server over plain HTTP on the LAN gets
 * `keel_session` with the same flags but Secure (docs/security.md says to serve HTTPS instead).
 */
/** HTTPS, or the server machine itself: where browsers allow Secure cookies and service workers. */
export function secureContext(request: FastifyRequest): boolean {
  return request.protocol === 'https' || LOCAL_HOSTS.test(request.headers.host ?? '');
}

export function readSessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const wanted = secureContext(request) ? SECURE_COOKIE : PLAIN_COOKIE;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === wanted) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{40,64}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, idleSeconds: number): void {
  const secure = secureContext(request);
  const name = secure ? SECURE_COOKIE : PLAIN_COOKIE;
  reply.header('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${idleSeconds}${secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = secureContext(request);
  reply.header('set-cookie', `${secure ? SECURE_COOKIE : PLAIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`);
}

export interface ActiveSession {
  readonly tokenHash: string;
  readonly csrfToken: string;
  readonly tillId: number | null;
  /** The session's till, when the request came with that till's key (a till's session is valid only then). */
  readonly till: EnrolledTill | undefined;
  readonly user: UserRow;
}

/** Sessions store only the sha256 of their token: a database dump holds no usable session. */
export class SessionStore {
  readonly #db: Kysely<Database>;
  readonly #idleMs: number;

  constructor(db: Kysely<Database>, idleMs: number) {
    this.#db = db;
    this.#idleMs = idleMs;
  }

  get idleSeconds(): number {
    return Math.floor(this.#idleMs / 1000);
  }

  /** A new session with a fresh token (rotation: sign-in never reuses a token). */
  async create(userId: number, tillId: number | null): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.#db
      .insertInto('sessions')
      .values({ token_sha256: sha256Hex(token), user_id: userId, csrf_token: csrfToken, till_id: tillId })
      .execute();
    return { token, csrfToken };
  }

  /**
   * The live session for this token, or undefined; an idle one is ended on the way. One round trip
   * also finds the session's till by the key the request carries (`tillKey`), every request of a till.
   */
  async find(token: string, tillKey?: string | string[] | undefined): Promise<ActiveSession | undefined> {
    const tokenHash = sha256Hex(token);
    const keyHash = tillKeyHash(tillKey) ?? '';
    // Every signed-in request (each till's) runs this: prepared, it is planned once a connection.
    const query = this.#db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('tills', (join) => join.onRef('tills.id', '=', 'sessions.till_id').on('tills.key_sha256', '=', keyHash).on('tills.revoked_at', 'is', null))
      .selectAll('users')
      .select([
        'sessions.csrf_token',
        'sessions.till_id',
        'sessions.last_seen_at',
        'tills.id as key_till_id',
        'tills.name as till_name',
        'tills.store_id as till_store_id',
      ])
      .where('sessions.token_sha256', '=', tokenHash)
      .compile();
    const [row] = (await this.#db.executeQuery(prepared(query))).rows;
    if (!row) return undefined;
    const now = Date.now();
    if (now - row.last_seen_at.getTime() > this.#idleMs || !row.active) {
      await this.end(token);
      return undefined;
    }
    if (now - row.last_seen_at.getTime() > 60_000) {
      await this.#db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now) })
        .where('token_sha256', '=', tokenHash)
        .execute();
    }
    const { csrf_token, till_id, last_seen_at: _seen, key_till_id, till_name, till_store_id, ...user } = row;
    const till =
      key_till_id !== null && till_name !== null && till_store_id !== null ? { id: key_till_id, name: till_name, storeId: till_store_id } : undefined;
    return { tokenHash, csrfToken: csrf_token, tillId: till_id, till, user };
  }

  async end(token: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('token_sha256', '=', sha256Hex(token)).execute();
  }

  /** End every session of a user (password change, deactivation, role change). */
  async endAllFor(userId: number): Promise<void> {
    await this.#db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }
}
