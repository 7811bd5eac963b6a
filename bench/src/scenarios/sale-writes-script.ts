/**
 * The raw-PostgreSQL twin of one API sale, as a pgbench script: the same round trips and rows the
 * server's `recordSale` issues, minus everything that is not PostgreSQL (HTTP, validation, totals).
 *
 * - outside the transaction: the replay check (sales by id, no row) and the SELECT of the 3 products;
 *   the replay check also hands pgbench a fresh UUID (`\gset`), so the round trip count stays the same;
 * - BEGIN; INSERT sales RETURNING recorded_at; INSERT 3 sale_lines (one statement); INSERT 1
 *   sale_tenders; INSERT 3 stock_movements (one statement); INSERT outbox (jsonb payload); COMMIT.
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
SELECT u AS sid FROM gen_random_uuid() AS u WHERE NOT EXISTS (SELECT 1 FROM sales WHERE id = u) \\gset
SELECT id, sku, price, cost, tax_class, active FROM products WHERE id IN (:p1, :p2, :p3);
BEGIN;
INSERT INTO sales (id, store_id, register_id, cashier_id, occurred_at, business_day, business_hour, request_sha256, gross, discount, tax, net, total, change_due, request_id)
  VALUES (:sid, ${s}, NULL, 'pgbench', now(), current_date, 12, 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c', 3000, 0, 500, 2500, 3000, 0, 'req-1');
INSERT INTO sale_lines (sale_id, line_no, product_id, sku, quantity_milli, unit_price, gross, discount, net, tax, total, cost, tax_code)
  VALUES (:sid, 1, :p1, 'BENCH-A', 1000, 1000, 1000, 0, 833, 167, 1000, 600, 'standard'),
         (:sid, 2, :p2, 'BENCH-B', 1000, 1000, 1000, 0, 833, 167, 1000, 600, 'standard'),
         (:sid, 3, :p3, 'BENCH-C', 1000, 1000, 1000, 0, 833, 167, 1000, 600, 'standard');
INSERT INTO sale_tenders (sale_id, tender_no, kind, amount, reference) VALUES (:sid, 1, 'cash', 3000, NULL);
INSERT INTO stock_movements (store_id, product_id, quantity_milli, reason, sale_id)
  VALUES (${s}, :p1, -1000, 'sale', :sid), (${s}, :p2, -1000, 'sale', :sid), (${s}, :p3, -1000, 'sale', :sid);
INSERT INTO outbox (event_id, store_id, event_type, payload, request_id, published_at)
  VALUES (gen_random_uuid(), ${s}, 'SaleCompleted', '${payload}', 'req-1', now());
COMMIT;
`;
}
