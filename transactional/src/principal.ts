import { BUILT_IN_ROLES, type BuiltInRole, type Permission } from '@keel/core';

/**
 * Who is making a request, resolved once per request by the authenticator. `id` goes into
 * sales (cashier) and the audit log. Routes check permissions with `can`, stores with `canSeeStore`.
 */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly permissions: ReadonlySet<Permission>;
  /** Stores this principal may act in; 'all' for a chain-wide role. */
  readonly storeIds: readonly number[] | 'all';
  /** Largest discount without approval, basis points. */
  readonly maxDiscountBp: number;
  readonly via: 'session' | 'token' | 'loopback' | 'till' | 'basic';
  /** The enrolled till the request came from, when it came from one. */
  readonly tillId?: string | undefined;
  /** The signed-in user (sessions, user-bound API tokens). */
  readonly userId?: number | undefined;
}

export function can(principal: Principal, permission: Permission | 'public'): boolean {
  return permission === 'public' || principal.permissions.has(permission);
}

export function canSeeStore(principal: Principal, storeId: number): boolean {
  return principal.storeIds === 'all' || principal.storeIds.includes(storeId);
}

/** A principal holding a built-in role in every store (tokens, the local owner). */
export function builtInPrincipal(id: string, name: string, role: BuiltInRole, via: Principal['via']): Principal {
  const def = BUILT_IN_ROLES[role];
  return { id, name, role, permissions: new Set(def.permissions), storeIds: 'all', maxDiscountBp: def.maxDiscountBp, via };
}
