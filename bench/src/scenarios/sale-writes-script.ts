/**
 * The raw-PostgreSQL twin of one API sale, as a pgbench script: the same round trips and rows the
 * server's `recordSale` issues, minus everything that is not PostgreSQL (HTTP, validation, totals).
 *
 * - round trip 1: the replay check (sales by id, no row) together with the 3 products, as the server
 *   reads them in one query; it also hands pgbench a fresh UUID (`\gset`);
 * - round trip 2: one statement with data-modifying CTEs writing the sale, 3 sale_lines, 1
 *   sale_tenders, 3 stock_movements and the outbox row (jsonb payload), atomic without BEGIN/COMMIT.
 *
 * The outbox rows are written with published_at = now() (a Keel relay may be running on the database:
 * it must not publish them) and cashier 'pgbench', so they can be told from the API's sales.
 */
export function saleWritesScript(opts: { productCount: number; storeId: number; outboxPayload: string }): string {
  if (opts.outboxPayload.includes("'")) throw new Error('outbox payload must not contain a single quote');
  // pgbench substitutes `:name` even inside literals; a space after every JSON colon keeps keys safe.
  const payload = opts.outboxPayload.replace(/":/g, '": ');
  const s = opts.storeId;
  return `\\set p1 random(1, ${opts.productCount})
\\set p2 random(1, ${opts.productCount})
\\set p3 random(1, ${opts.productCount})
SELECT u AS sid, (SELECT request_sha256 FROM sales WHERE id = u) AS existing_sha,
  (SELECT json_agg(p) FROM (SELECT id, sku, price, cost, tax_class, active FROM products WHERE id = ANY(ARRAY[:p1, :p2, :p3]::bigint[])) p) AS products
  FROM gen_random_uuid() AS u \\gset
WITH s AS (
  INSERT INTO sales (id, store_id, register_id, cashier_id, occurred_at, recorded_at, business_day, business_hour, request_sha256, gross, discount, tax, net, total, change_due, request_id)
  VALUES (:sid, ${s}, NULL, 'pgbench', now(), now(), current_date, 12, 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c', 3000, 0, 500, 2500, 3000, 0, 'req-1')
  ON CONFLICT (id) DO NOTHING RETURNING id
), l AS (
  INSERT INTO sale_lines (sale_id, line_no, product_id, sku, quantity_milli, unit_price, gross, discount, net, tax, total, cost, tax_code)
  SELECT s.id, x.* FROM s, unnest(ARRAY[1, 2, 3]::smallint[], ARRAY[:p1, :p2, :p3]::bigint[], ARRAY['BENCH-A', 'BENCH-B', 'BENCH-C']::text[],
    ARRAY[1000, 1000, 1000]::bigint[], ARRAY[1000, 1000, 1000]::bigint[], ARRAY[1000, 1000, 1000]::bigint[], ARRAY[0, 0, 0]::bigint[],
    ARRAY[833, 833, 833]::bigint[], ARRAY[167, 167, 167]::bigint[], ARRAY[1000, 1000, 1000]::bigint[], ARRAY[600, 600, 600]::bigint[],
    ARRAY['standard', 'standard', 'standard']::text[]) AS x
), t AS (
  INSERT INTO sale_tenders (sale_id, tender_no, kind, amount, reference)
  SELECT s.id, x.* FROM s, unnest(ARRAY[1]::smallint[], ARRAY['cash']::text[], ARRAY[3000]::bigint[], ARRAY[NULL]::text[]) AS x
), m AS (
  INSERT INTO stock_movements (store_id, product_id, quantity_milli, reason, sale_id)
  SELECT ${s}, x.product_id, -x.quantity_milli, 'sale', s.id FROM s, unnest(ARRAY[:p1, :p2, :p3]::bigint[], ARRAY[1000, 1000, 1000]::bigint[]) AS x(product_id, quantity_milli)
), o AS (
  INSERT INTO outbox (event_id, store_id, event_type, payload, request_id, published_at)
  SELECT gen_random_uuid(), ${s}, 'SaleCompleted', '${payload}'::jsonb, 'req-1', now() FROM s
)
SELECT count(*) FROM s;
`;
}
