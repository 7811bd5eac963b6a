import { type Kysely, sql } from 'kysely';

/** Stores, tax classes, catalog, sales with lines/tenders, stock movements, outbox, tokens, audit. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE stores (
      id integer PRIMARY KEY CHECK (id > 0),
      name text NOT NULL,
      time_zone text NOT NULL,
      currency char(3) NOT NULL
    );
    CREATE TABLE tax_classes (
      code text PRIMARY KEY,
      name text NOT NULL,
      basis_points integer NOT NULL CHECK (basis_points >= 0 AND basis_points <= 10000),
      inclusive boolean NOT NULL
    );
    CREATE TABLE products (
      id bigserial PRIMARY KEY,
      sku text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
      barcode text UNIQUE CHECK (barcode ~ '^[0-9]{6,14}$'),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      price bigint NOT NULL CHECK (price >= 0),
      cost bigint NOT NULL CHECK (cost >= 0),
      tax_class text NOT NULL REFERENCES tax_classes(code),
      active boolean NOT NULL DEFAULT true,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE sales (
      id uuid PRIMARY KEY,
      store_id integer NOT NULL REFERENCES stores(id),
      register_id text,
      cashier_id text,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      business_day date NOT NULL,
      business_hour smallint NOT NULL CHECK (business_hour BETWEEN 0 AND 23),
      request_sha256 text NOT NULL,
      gross bigint NOT NULL,
      discount bigint NOT NULL,
      tax bigint NOT NULL,
      net bigint NOT NULL,
      total bigint NOT NULL,
      change_due bigint NOT NULL,
      request_id text
    );
    CREATE INDEX sales_store_day ON sales (store_id, business_day);
    CREATE TABLE sale_lines (
      sale_id uuid NOT NULL REFERENCES sales(id),
      line_no smallint NOT NULL,
      product_id bigint NOT NULL REFERENCES products(id),
      sku text NOT NULL,
      quantity_milli bigint NOT NULL,
      unit_price bigint NOT NULL,
      gross bigint NOT NULL,
      discount bigint NOT NULL,
      net bigint NOT NULL,
      tax bigint NOT NULL,
      total bigint NOT NULL,
      cost bigint NOT NULL,
      tax_code text NOT NULL,
      PRIMARY KEY (sale_id, line_no)
    );
    CREATE TABLE sale_tenders (
      sale_id uuid NOT NULL REFERENCES sales(id),
      tender_no smallint NOT NULL,
      kind text NOT NULL,
      amount bigint NOT NULL,
      reference text,
      PRIMARY KEY (sale_id, tender_no)
    );
    CREATE TABLE stock_movements (
      id bigserial PRIMARY KEY,
      store_id integer NOT NULL REFERENCES stores(id),
      product_id bigint NOT NULL REFERENCES products(id),
      quantity_milli bigint NOT NULL,
      reason text NOT NULL,
      sale_id uuid REFERENCES sales(id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX stock_movements_product ON stock_movements (product_id, store_id);
    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      store_id integer NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      request_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    );
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
    CREATE TABLE api_tokens (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      token_sha256 text NOT NULL UNIQUE,
      role text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      subject text,
      detail jsonb,
      request_id text
    );
    INSERT INTO tax_classes (code, name, basis_points, inclusive) VALUES
      ('standard', 'Standard rate 20% (included)', 2000, true),
      ('reduced', 'Reduced rate 5.5% (included)', 550, true),
      ('zero', 'Zero rate', 0, true);
  `.execute(db);
}
