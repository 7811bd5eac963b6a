import { randomBytes } from 'node:crypto';
import { type BuiltInRole, isBuiltInRole } from '@keel/core';
import type { Kysely } from 'kysely';
import { sha256Hex } from './canonical-json.js';
import type { Database } from './database.js';
import { builtInPrincipal, type Principal } from './principal.js';
import { principalForUser } from './roles.js';

/**
 * API tokens for scripts and integrations: a bearer token acting either as a user (with that user's
 * role and stores) or with a built-in role in every store. Only the sha256 of a token is stored;
 * the token is shown once.
 */
export async function createApiToken(db: Kysely<Database>, name: string, holder: BuiltInRole | { userId: number }): Promise<string> {
  if (typeof holder === 'string' && !isBuiltInRole(holder)) throw new RangeError(`unknown role ${holder}`);
  const token = `keel_${randomBytes(24).toString('base64url')}`;
  await db
    .insertInto('api_tokens')
    .values({
      name,
      role: typeof holder === 'string' ? holder : null,
      user_id: typeof holder === 'string' ? null : holder.userId,
      token_sha256: sha256Hex(token),
    })
    .execute();
  return token;
}

/** Looks tokens up by hash, remembering answers for `ttlMs` so a sale costs no extra query. */
export class TokenVerifier {
  readonly #db: Kysely<Database>;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { principal: Principal | null; at: number }>();

  constructor(db: Kysely<Database>, ttlMs = 30_000) {
    this.#db = db;
    this.#ttlMs = ttlMs;
  }

  async verify(token: string): Promise<Principal | null> {
    const hash = sha256Hex(token);
    const hit = this.#cache.get(hash);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.principal;
    const row = await this.#db.selectFrom('api_tokens').select(['id', 'name', 'role', 'user_id']).where('token_sha256', '=', hash).executeTakeFirst();
    let principal: Principal | null = null;
    if (row?.user_id != null) {
      const user = await this.#db.selectFrom('users').selectAll().where('id', '=', row.user_id).where('active', '=', true).executeTakeFirst();
      principal = user ? await principalForUser(this.#db, user, 'token') : null;
    } else if (row && isBuiltInRole(row.role)) {
      principal = builtInPrincipal(`token:${row.id}`, row.name, row.role, 'token');
    }
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { principal, at: Date.now() });
    return principal;
  }
}
