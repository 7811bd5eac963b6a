import { type Kysely, sql } from 'kysely';
import type { Database, FileLevel } from './database.js';
import { newFileId } from './file-store.js';
import { canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';

const RANK = { none: 0, read: 1, write: 2, manage: 3 } as const;
export type Level = keyof typeof RANK;

export function atLeast(level: Level, needed: FileLevel): boolean {
  return RANK[level] >= RANK[needed];
}

/** What a new space grants: managers run it, stock clerks add to it, everyone else with files.use reads. */
const STORE_SPACE_GRANTS: Array<[string, FileLevel]> = [
  ['manager', 'manage'],
  ['stock_clerk', 'write'],
  ['cashier', 'read'],
  ['analyst', 'read'],
];
const CHAIN_SPACE_GRANTS: Array<[string, FileLevel]> = [
  ['manager', 'write'],
  ['stock_clerk', 'read'],
  ['cashier', 'read'],
  ['analyst', 'read'],
];
export const DEFAULT_QUOTA_BYTES = 50 * 1024 ** 3;

/** One space per store and one chain-wide: created when first asked for, with the default grants. */
export async function ensureSpaces(db: Kysely<Database>, actor: string): Promise<void> {
  const stores = await db.selectFrom('stores').select(['id', 'name']).execute();
  const have = await db.selectFrom('file_folders').select('store_id').where('parent_id', 'is', null).execute();
  const haveIds = new Set(have.map((r) => r.store_id ?? 0));
  const wanted: Array<{ storeId: number | null; name: string }> = [];
  if (!haveIds.has(0)) wanted.push({ storeId: null, name: 'Chain' });
  for (const s of stores) if (!haveIds.has(s.id)) wanted.push({ storeId: s.id, name: s.name });
  for (const w of wanted) {
    await db.transaction().execute(async (tx) => {
      const id = newFileId();
      const taken = await tx
        .selectFrom('file_folders')
        .select('id')
        .where('parent_id', 'is', null)
        .where(sql<boolean>`lower(name) = lower(${w.name})`)
        .executeTakeFirst();
      const inserted = await tx
        .insertInto('file_folders')
        .values({
          id,
          parent_id: null,
          store_id: w.storeId,
          name: taken ? `${w.name} ${w.storeId}` : w.name,
          quota_bytes: DEFAULT_QUOTA_BYTES,
          created_by: actor,
          deleted_at: null,
          deleted_by: null,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return;
      const grants = w.storeId === null ? CHAIN_SPACE_GRANTS : STORE_SPACE_GRANTS;
      await tx
        .insertInto('file_grants')
        .values(grants.map(([role, level]) => ({ folder_id: id, role, user_id: null, level })))
        .execute();
    });
  }
}

export interface FolderPlace {
  readonly id: string;
  readonly spaceId: string;
  readonly storeId: number | null;
  readonly level: Level;
  /** The folder or one of its ancestors is in the trash. */
  readonly trashed: boolean;
}

/**
 * A principal's level in a folder: nothing outside their stores; the owner manages everything;
 * otherwise the nearest folder on the way up with a grant for them decides (a grant to the user
 * beats one to their role there), so a subfolder can narrow or widen what its parent gives.
 */
export async function folderPlace(db: Kysely<Database>, principal: Principal, folderId: string): Promise<FolderPlace | undefined> {
  const rows = await sql<{ id: string; parent_id: string | null; store_id: number | null; deleted_at: Date | null; depth: number }>`
    WITH RECURSIVE up AS (
      SELECT id, parent_id, store_id, deleted_at, 0 AS depth FROM file_folders WHERE id = ${folderId}
      UNION ALL
      SELECT f.id, f.parent_id, f.store_id, f.deleted_at, up.depth + 1 FROM file_folders f JOIN up ON f.id = up.parent_id WHERE up.depth < 64
    ) SELECT * FROM up ORDER BY depth`.execute(db);
  const chain = rows.rows;
  const root = chain.at(-1);
  if (!root || root.parent_id !== null) return undefined;
  const trashed = chain.some((f) => f.deleted_at !== null);
  const base = { id: folderId, spaceId: root.id, storeId: root.store_id, trashed };
  if (root.store_id !== null && !canSeeStore(principal, root.store_id)) return { ...base, level: 'none' };
  if (principal.role === 'owner') return { ...base, level: 'manage' };
  const grants = await db
    .selectFrom('file_grants')
    .selectAll()
    .where(
      'folder_id',
      'in',
      chain.map((f) => f.id),
    )
    .where((eb) => eb.or([eb('role', '=', principal.role), ...(principal.userId === undefined ? [] : [eb('user_id', '=', principal.userId)])]))
    .execute();
  for (const f of chain) {
    const here = grants.filter((g) => g.folder_id === f.id);
    const user = here.find((g) => g.user_id !== null);
    const chosen = user ?? here[0];
    if (chosen) return { ...base, level: chosen.level };
  }
  return { ...base, level: 'none' };
}

/** The folder, when the principal holds `needed` there; 404 when they may not even see it (its existence stays private). */
export async function requireFolder(db: Kysely<Database>, principal: Principal, folderId: string, needed: FileLevel): Promise<FolderPlace> {
  const place = await folderPlace(db, principal, folderId);
  if (!place || !atLeast(place.level, 'read') || place.trashed) throw new Problem('file.not_found', 'no such folder');
  if (!atLeast(place.level, needed)) throw new Problem('file.forbidden', `this needs ${needed} access to the folder`);
  return place;
}
