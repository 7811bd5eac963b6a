import type { Permission, RoleName } from '@keel/core';
import { roleHas } from '@keel/core';

/** Who is making a request. `id` goes into sales (cashier) and the audit log. */
export interface Principal {
  readonly id: string;
  readonly role: RoleName;
  readonly via: 'token' | 'loopback';
}

export function can(principal: Principal, permission: Permission | 'public'): boolean {
  return permission === 'public' || roleHas(principal.role, permission);
}
