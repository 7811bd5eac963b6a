import { randomBytes } from 'node:crypto';
import { type BuiltInRole, isBuiltInRole } from '@keel/core';
import type { Kysely } from 'kysely';
import { sha256Hex } from './canonical-json.js';
import type { Database } from './database.js';
import { builtInPrincipal, type Principal } from './principal.js';

/**
 * Bearer tokens for tills, scripts and tests until people sign in with passwords (the
 * people-and-trust work). Only the sha256 of a token is stored; the token is shown once.
 */
export async function createApiToken(db: Kysely<Database>, name: string, role: BuiltInRole): Promise<string> {
  if (!isBuiltInRole(role)) throw new RangeError(`unknown role ${role}`);
  const token = `keel_${randomBytes(24).toString('base64url')}`;
  await db
    .insertInto('api_tokens')
    .values({ name, role, token_sha256: sha256Hex(token) })
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
    const row = await this.#db.selectFrom('api_tokens').select(['id', 'name', 'role']).where('token_sha256', '=', hash).executeTakeFirst();
    const principal: Principal | null = row && isBuiltInRole(row.role) ? builtInPrincipal(`token:${row.id}`, row.name, row.role, 'token') : null;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { principal, at: Date.now() });
    return principal;
  }
}
