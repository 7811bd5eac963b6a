import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Kysely table types for the tables transactional owns. Amounts are integer minor units (bigint, parsed to number). */
export interface Database {
  keel_migrations: { version: number; name: string; applied_at: ColumnType<Date, never, never> };
  stores: { id: number; name: string; time_zone: string; currency: string };
  tax_classes: { code: string; name: string; basis_points: number; inclusive: boolean };
  products: ProductTable;
  product_barcodes: { barcode: string; product_id: number; kind: string };
  categories: { id: Generated<number>; parent_id: number | null; name: string; path: string };
  brands: { id: Generated<number>; name: string };
  sales: SaleTable;
  customers: {
    id: Generated<number>;
    name: string;
    email: string | null;
    phone: string | null;
    code: string | null;
    created_by: string;
    created_at: ColumnType<Date, never, never>;
  };
  sale_flags: {
    id: Generated<number>;
    sale_id: string;
    store_id: number;
    kind: SaleFlagKind;
    product_id: number;
    till_price: number | null;
    server_price: number | null;
    on_hand_milli: number | null;
    till_tax_bp: number | null;
    server_tax_bp: number | null;
    approval_bp: number | null;
    created_at: ColumnType<Date, never, never>;
  };
  sale_lines: SaleLineTable;
  sale_tenders: { sale_id: string; tender_no: number; kind: string; amount: number; reference: string | null };
  stock_movements: {
    id: Generated<number>;
    store_id: number;
    product_id: number;
    quantity_milli: number;
    reason: string;
    sale_id: string | null;
    note: ColumnType<string | null, string | null | undefined, never>;
    actor: ColumnType<string | null, string | null | undefined, never>;
    unit_cost: ColumnType<number | null, number | null | undefined, never>;
    reference: ColumnType<string | null, string | null | undefined, never>;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
  outbox: OutboxTable;
  api_tokens: {
    id: Generated<number>;
    name: string;
    token_sha256: string;
    role: string | null;
    user_id: number | null;
    created_at: ColumnType<Date, never, never>;
  };
  cash_sessions: CashSessionTable;
  audit_log: {
    id: Generated<number>;
    at: ColumnType<Date, Date, never>;
    actor: string;
    action: string;
    subject: string | null;
    detail: unknown;
    request_id: string | null;
    prev_hash: string;
    hash: string;
  };
  roles: { name: string; permissions: string[]; max_discount_bp: number; created_at: ColumnType<Date, never, never> };
  users: UserTable;
  sign_in_failures: { key: string; failures: number; locked_until: Date | null };
  tills: {
    id: Generated<number>;
    name: string;
    store_id: number;
    key_sha256: string;
    enrolled_by: number | null;
    revoked_at: Date | null;
    created_at: ColumnType<Date, never, never>;
  };
  sessions: {
    token_sha256: string;
    user_id: number;
    csrf_token: string;
    till_id: number | null;
    created_at: ColumnType<Date, never, never>;
    last_seen_at: ColumnType<Date, Date | undefined, Date>;
  };
  file_folders: {
    id: string;
    parent_id: string | null;
    store_id: number | null;
    name: string;
    quota_bytes: number | null;
    used_bytes: ColumnType<number, number | undefined, number>;
    created_by: string;
    created_at: ColumnType<Date, never, never>;
    deleted_at: Date | null;
    deleted_by: string | null;
  };
  file_grants: { folder_id: string; role: string | null; user_id: number | null; level: FileLevel | 'none' };
  files: {
    id: string;
    folder_id: string;
    name: string;
    version: number;
    sha256: string;
    size: number;
    media_type: string;
    created_by: string;
    created_at: ColumnType<Date, never, never>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
    deleted_at: Date | null;
    deleted_by: string | null;
  };
  product_files: ProductFileTable;
  file_versions: {
    file_id: string;
    version: number;
    sha256: string;
    size: number;
    media_type: string;
    created_by: string;
    created_at: ColumnType<Date, never, never>;
  };
}

export interface ProductFileTable {
  product_id: number;
  file_id: string;
  kind: 'image' | 'document';
  attached_by: string;
  attached_at: ColumnType<Date, never, never>;
}

/** What a principal may do in a folder: see and download, add and change, or also grant and set quotas. */
export type FileLevel = 'read' | 'write' | 'manage';

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: string;
  /** NULL: every store. */
  store_ids: number[] | null;
  /** NULL: the role's limit. */
  max_discount_bp: number | null;
  password_hash: string | null;
  pin_hash: string | null;
  active: Generated<boolean>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type UserRow = Selectable<UserTable>;

export interface ProductTable {
  id: Generated<number>;
  sku: string;
  barcode: string | null;
  name: string;
  price: number;
  cost: number;
  tax_class: string;
  active: Generated<boolean>;
  description: Generated<string>;
  category_id: number | null;
  brand_id: number | null;
  unit: Generated<'piece' | 'weight'>;
  parent_id: number | null;
  variant: string | null;
  catalog_seq: Generated<number>;
  version: Generated<number>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date>;
}
export type ProductRow = Selectable<ProductTable>;
export type NewProductRow = Insertable<ProductTable>;

export interface SaleTable {
  id: string;
  store_id: number;
  register_id: string | null;
  cashier_id: string | null;
  occurred_at: Date;
  recorded_at: ColumnType<Date, Date | undefined, never>;
  business_day: string;
  business_hour: number;
  request_sha256: string;
  gross: number;
  discount: number;
  tax: number;
  net: number;
  total: number;
  change_due: number;
  request_id: string | null;
  refund_of: ColumnType<string | null, string | null | undefined, never>;
  customer_id: ColumnType<number | null, number | null | undefined, never>;
  note: ColumnType<string | null, string | null | undefined, never>;
  offline: ColumnType<boolean, boolean | undefined, never>;
}

/** Why an offline sale was accepted with a difference a manager should look at. */
export type SaleFlagKind = 'price_changed' | 'product_retired' | 'stock_negative' | 'tax_changed' | 'approval_missing';

export interface CashSessionTable {
  id: string;
  store_id: number;
  register_id: string;
  opened_by: string;
  opened_at: Date;
  opening_float: number;
  closed_by: string | null;
  closed_at: Date | null;
  counted: unknown;
  counted_total: number | null;
  expected_cash: number | null;
  z_report: unknown;
}

export interface SaleLineTable {
  sale_id: string;
  line_no: number;
  product_id: number;
  sku: string;
  quantity_milli: number;
  unit_price: number;
  gross: number;
  discount: number;
  net: number;
  tax: number;
  total: number;
  cost: number;
  tax_code: string;
  /** The list price when the cashier overrode it (unit_price is what was charged). */
  list_price: ColumnType<number | null, number | null | undefined, never>;
  override_reason: ColumnType<string | null, string | null | undefined, never>;
}

export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  store_id: number;
  event_type: string;
  payload: unknown;
  request_id: string | null;
  created_at: ColumnType<Date, never, never>;
  published_at: Date | null;
}
