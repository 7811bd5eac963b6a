/**
 * Every permission a route or action can require. Routes declare one of these (or 'public');
 * the server refuses to start when a route declares none. Roles are sets of these.
 */
export const PERMISSIONS = [
  'catalog.read',
  'catalog.write',
  'stock.receive',
  'stock.adjust',
  'sales.create',
  'sales.discount',
  'sales.price_override',
  'sales.refund',
  'sales.void',
  'drawer.open',
  'cash.manage',
  'tills.enroll',
  'dashboards.view',
  'costs.view',
  'analyst.sql',
  'users.manage',
  'audit.view',
  'files.use',
  'exports.run',
  'backups.run',
  'jobs.manage',
  'metrics.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type BuiltInRole = 'owner' | 'manager' | 'cashier' | 'stock_clerk' | 'analyst';

export interface RoleDefinition {
  readonly name: string;
  readonly permissions: readonly Permission[];
  /** Largest discount this role may give without a manager's approval, in basis points (1000 = 10%). */
  readonly maxDiscountBp: number;
}

/** The roles every store starts with. Custom roles are stored in the database. */
export const BUILT_IN_ROLES: Readonly<Record<BuiltInRole, RoleDefinition>> = {
  owner: { name: 'owner', permissions: PERMISSIONS, maxDiscountBp: 10000 },
  manager: { name: 'manager', permissions: PERMISSIONS, maxDiscountBp: 10000 },
  cashier: { name: 'cashier', permissions: ['catalog.read', 'sales.create', 'sales.discount', 'drawer.open', 'cash.manage', 'files.use'], maxDiscountBp: 1000 },
  stock_clerk: { name: 'stock_clerk', permissions: ['catalog.read', 'catalog.write', 'stock.receive', 'stock.adjust', 'files.use'], maxDiscountBp: 0 },
  analyst: { name: 'analyst', permissions: ['catalog.read', 'dashboards.view', 'costs.view', 'analyst.sql', 'exports.run'], maxDiscountBp: 0 },
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export function isBuiltInRole(value: unknown): value is BuiltInRole {
  return typeof value === 'string' && Object.hasOwn(BUILT_IN_ROLES, value);
}
