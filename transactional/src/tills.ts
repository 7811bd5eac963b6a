import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sha256Hex } from './canonical-json.js';
import type { Database } from './database.js';

/** The header an enrolled till sends its key in, on every request. */
export const TILL_KEY_HEADER = 'x-keel-till';

export interface EnrolledTill {
  readonly id: number;
  readonly name: string;
  readonly storeId: number;
}

/** The stored form of a till key as sent in the header, or undefined when it is not one. */
export function tillKeyHash(key: string | string[] | undefined): string | undefined {
  return typeof key === 'string' && /^till_[A-Za-z0-9_-]{43}$/.test(key) ? sha256Hex(key) : undefined;
}

/** A till is enrolled by a manager and gets its own key, shown once; only its sha256 is stored. */
export async function enrollTill(db: Kysely<Database>, name: string, storeId: number, enrolledBy: number | null): Promise<{ till: EnrolledTill; key: string }> {
  const key = `till_${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('tills')
    .values({ name, store_id: storeId, key_sha256: sha256Hex(key), enrolled_by: enrolledBy })
    .returning(['id', 'name', 'store_id'])
    .executeTakeFirstOrThrow();
  return { till: { id: row.id, name: row.name, storeId: row.store_id }, key };
}

/** The enrolled, not revoked till holding this key. */
export async function findTill(db: Kysely<Database>, key: string | string[] | undefined): Promise<EnrolledTill | undefined> {
  const keyHash = tillKeyHash(key);
  if (keyHash === undefined) return undefined;
  const row = await db
    .selectFrom('tills')
    .select(['id', 'name', 'store_id'])
    .where('key_sha256', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, storeId: row.store_id } : undefined;
}
