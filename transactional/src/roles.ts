import { BUILT_IN_ROLES, isBuiltInRole, isPermission, type Permission, type RoleDefinition } from '@keel/core';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from './database.js';
import type { Principal } from './principal.js';

/** A role as the API shows it: built-in ones come from core, custom ones from the roles table. */
export interface RoleView {
  readonly name: string;
  readonly permissions: readonly Permission[];
  readonly maxDiscountBp: number;
  readonly builtIn: boolean;
}

export async function findRole(db: Kysely<Database>, name: string): Promise<RoleDefinition | undefined> {
  if (isBuiltInRole(name)) return BUILT_IN_ROLES[name];
  const row = await db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? { name: row.name, permissions: row.permissions.filter(isPermission), maxDiscountBp: row.max_discount_bp } : undefined;
}

export async function listRoles(db: Kysely<Database>): Promise<RoleView[]> {
  const custom = await db.selectFrom('roles').selectAll().orderBy('name').execute();
  return [
    ...Object.values(BUILT_IN_ROLES).map((r) => ({ ...r, builtIn: true })),
    ...custom.map((r) => ({ name: r.name, permissions: r.permissions.filter(isPermission), maxDiscountBp: r.max_discount_bp, builtIn: false })),
  ];
}

/**
 * What a signed-in user may do: their role's permissions, limited to their stores, with their own
 * discount limit when one is set (never above the role's). An unknown role grants nothing.
 */
export async function principalForUser(db: Kysely<Database>, user: UserRow, via: Principal['via'], tillId?: number | null): Promise<Principal> {
  const role = await findRole(db, user.role);
  const roleLimit = role?.maxDiscountBp ?? 0;
  return {
    id: `user:${user.id}`,
    name: user.display_name,
    role: user.role,
    permissions: new Set(role?.permissions ?? []),
    storeIds: user.store_ids ?? 'all',
    maxDiscountBp: user.max_discount_bp === null ? roleLimit : Math.min(user.max_discount_bp, roleLimit),
    via,
    userId: user.id,
    tillId: tillId === null || tillId === undefined ? undefined : String(tillId),
  };
}
