import { type Kysely, sql } from 'kysely';

/**
 * The catalog at a million products: category tree, brands, several barcodes per product, variants
 * (a parent product with child SKUs), weighed goods, a change sequence for terminal deltas, trigram
 * and prefix indexes for name search, and stock movements with a checked reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE categories (
      id serial PRIMARY KEY,
      parent_id integer REFERENCES categories(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      path text NOT NULL UNIQUE
    );
    CREATE TABLE brands (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100)
    );
    CREATE SEQUENCE catalog_seq;
    ALTER TABLE products DROP CONSTRAINT IF EXISTS products_barcode_check;
    ALTER TABLE products ADD CONSTRAINT products_barcode_check CHECK (barcode ~ '^[0-9A-Za-z-]{4,32}$');
    ALTER TABLE products
      ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
      ADD COLUMN category_id integer REFERENCES categories(id),
      ADD COLUMN brand_id integer REFERENCES brands(id),
      ADD COLUMN unit text NOT NULL DEFAULT 'piece' CHECK (unit IN ('piece', 'weight')),
      ADD COLUMN parent_id bigint REFERENCES products(id),
      ADD COLUMN variant text CHECK (length(variant) <= 200),
      ADD COLUMN catalog_seq bigint NOT NULL DEFAULT nextval('catalog_seq');
    CREATE INDEX products_catalog_seq ON products (catalog_seq);
    CREATE INDEX products_category ON products (category_id);
    CREATE INDEX products_brand ON products (brand_id);
    CREATE INDEX products_parent ON products (parent_id) WHERE parent_id IS NOT NULL;
    CREATE INDEX products_name_prefix ON products (lower(name) text_pattern_ops);
    CREATE INDEX products_name_trgm ON products USING gin (lower(name) gin_trgm_ops);
    -- Every change to a product takes a new sequence number: terminals ask for "changes since N".
    CREATE FUNCTION products_next_catalog_seq() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.catalog_seq := nextval('catalog_seq'); RETURN NEW; END $$;
    CREATE TRIGGER products_catalog_seq BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_next_catalog_seq();
    CREATE TABLE product_barcodes (
      barcode text PRIMARY KEY CHECK (barcode ~ '^[0-9A-Za-z-]{4,32}$'),
      product_id bigint NOT NULL REFERENCES products(id),
      kind text NOT NULL CHECK (kind IN ('ean8', 'upca', 'ean13', 'gtin14', 'internal'))
    );
    CREATE INDEX product_barcodes_product ON product_barcodes (product_id);
    INSERT INTO product_barcodes (barcode, product_id, kind)
      SELECT barcode, id, CASE length(barcode) WHEN 8 THEN 'ean8' WHEN 12 THEN 'upca' WHEN 13 THEN 'ean13' WHEN 14 THEN 'gtin14' ELSE 'internal' END
      FROM products WHERE barcode IS NOT NULL;
    ALTER TABLE stock_movements
      ADD COLUMN note text CHECK (length(note) <= 500),
      ADD COLUMN actor text,
      ADD CONSTRAINT stock_movements_reason CHECK (reason IN ('sale', 'refund', 'receiving', 'count', 'transfer', 'adjustment'));
  `.execute(db);
}
