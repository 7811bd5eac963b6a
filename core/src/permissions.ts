/**
 * Every permission a route or action can require. Routes declare one of these (or 'public');
 * the server refuses to start when a route declares none.
 */
export const PERMISSIONS = ['health.read', 'catalog.read', 'catalog.write', 'sales.create', 'sales.refund', 'dashboards.view', 'costs.view'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type RoleName = 'owner' | 'manager' | 'cashier' | 'analyst';

/** Built-in roles. Custom roles and per-store limits come with the people-and-trust work. */
export const ROLE_PERMISSIONS: Readonly<Record<RoleName, readonly Permission[]>> = {
  owner: PERMISSIONS,
  manager: PERMISSIONS,
  cashier: ['health.read', 'catalog.read', 'sales.create'],
  analyst: ['health.read', 'catalog.read', 'dashboards.view', 'costs.view'],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export function roleHas(role: RoleName, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
