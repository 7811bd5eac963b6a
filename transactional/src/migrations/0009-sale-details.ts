import { type Kysely, sql } from 'kysely';

/**
 * What a till adds to a sale besides its lines: the customer it is for (a minimal customers table),
 * a note, a line's price override (list price kept beside the charged unit price, with the reason),
 * whether the till took it offline, and the conflicts an offline sale was accepted with (a price
 * that changed, a retired product, stock gone negative), flagged for a manager.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE customers (
      id bigserial PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      email text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
      phone text CHECK (phone IS NULL OR length(phone) BETWEEN 3 AND 40),
      code text UNIQUE CHECK (code IS NULL OR length(code) BETWEEN 1 AND 64),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX customers_name ON customers (lower(name) text_pattern_ops);
    CREATE INDEX customers_email ON customers (lower(email) text_pattern_ops);
    CREATE INDEX customers_phone ON customers (phone text_pattern_ops);
    ALTER TABLE sales
      ADD COLUMN customer_id bigint REFERENCES customers(id),
      ADD COLUMN note text CHECK (note IS NULL OR length(note) <= 500),
      ADD COLUMN offline boolean NOT NULL DEFAULT false;
    CREATE INDEX sales_customer ON sales (customer_id) WHERE customer_id IS NOT NULL;
    ALTER TABLE sale_lines
      ADD COLUMN list_price bigint,
      ADD COLUMN override_reason text CHECK (override_reason IS NULL OR length(override_reason) <= 200);
    CREATE TABLE sale_flags (
      id bigserial PRIMARY KEY,
      sale_id uuid NOT NULL REFERENCES sales(id),
      store_id integer NOT NULL REFERENCES stores(id),
      kind text NOT NULL CHECK (kind IN ('price_changed', 'product_retired', 'stock_negative')),
      product_id bigint NOT NULL REFERENCES products(id),
      till_price bigint,
      server_price bigint,
      on_hand_milli bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (sale_id, kind, product_id)
    );
    CREATE INDEX sale_flags_store_time ON sale_flags (store_id, created_at DESC);
  `.execute(db);
}
