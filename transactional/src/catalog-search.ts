import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';

export interface SearchFilters {
  readonly categoryId?: number | undefined;
  readonly brandId?: number | undefined;
  readonly active?: boolean | undefined;
}

export interface SearchHit {
  readonly id: number;
  readonly sku: string;
  readonly barcode: string | null;
  readonly name: string;
  readonly price: number;
  readonly cost: number;
  readonly tax_class: string;
  readonly active: boolean;
  readonly category_id: number | null;
  readonly brand_id: number | null;
  readonly unit: string;
  readonly version: number;
  /** 'exact' (barcode or SKU), 'prefix' (the name starts with the query), 'words' (holds every word) or 'similar' (typo-tolerant trigram match). */
  readonly match: 'exact' | 'prefix' | 'words' | 'similar';
}

const COLUMNS = sql`p.id, p.sku, p.barcode, p.name, p.price, p.cost, p.tax_class, p.active, p.category_id, p.brand_id, p.unit, p.version`;

function filters(f: SearchFilters) {
  return sql`${f.categoryId !== undefined ? sql`AND p.category_id = ${f.categoryId}` : sql``}
    ${f.brandId !== undefined ? sql`AND p.brand_id = ${f.brandId}` : sql``}
    ${f.active !== undefined ? sql`AND p.active = ${f.active}` : sql``}`;
}

/**
 * Search the catalog the way a cashier types: an exact barcode or SKU first, then names that start
 * with the text, then names holding the words approximately (pg_trgm word similarity, so typos
 * still find the product), best first. Each part is a bounded index scan.
 */
export async function searchProducts(db: Kysely<Database>, text: string, f: SearchFilters, limit: number, offset: number): Promise<SearchHit[]> {
  const q = text.trim().toLowerCase();
  if (q === '') return [];
  const want = limit + offset;
  const exact = await sql<SearchHit>`
    SELECT ${COLUMNS}, 'exact' AS match FROM products p
    WHERE (p.id = (SELECT product_id FROM product_barcodes WHERE barcode = ${text.trim()}) OR p.sku = ${text.trim()}) ${filters(f)}`.execute(db);
  const hits: SearchHit[] = [...exact.rows];
  const seen = new Set(hits.map((h) => h.id));
  if (hits.length < want && q.length >= 2) {
    const likeQ = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const prefix = await sql<SearchHit>`
      SELECT ${COLUMNS}, 'prefix' AS match FROM products p
      WHERE lower(p.name) LIKE ${likeQ} ${filters(f)}
      ORDER BY lower(p.name) LIMIT ${want}`.execute(db);
    for (const h of prefix.rows) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      hits.push(h);
    }
  }
  const terms = q.split(/\s+/).filter((t) => t.length >= 2);
  if (hits.length < want && terms.length > 0) {
    // Names holding every word, anywhere (trigram GIN index). A bounded set of candidates, unordered in
    // SQL so the scan stops early; ranked here: names whose words start with the query's words first, then shorter.
    const cap = Math.max(200, want * 2);
    const contains = await sql<SearchHit>`
      SELECT ${COLUMNS}, 'words' AS match FROM products p
      WHERE ${sql.join(
        terms.map((t) => sql`lower(p.name) LIKE ${`%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`),
        sql` AND `,
      )} ${filters(f)}
      LIMIT ${cap}`.execute(db);
    const score = (name: string) => {
      const words = name.toLowerCase().split(/\s+/);
      const starts = terms.filter((t) => words.some((w) => w.startsWith(t))).length;
      return (terms.length - starts) * 1000 + name.length;
    };
    const ranked = contains.rows.filter((h) => !seen.has(h.id)).sort((a, b) => score(a.name) - score(b.name) || a.id - b.id);
    for (const h of ranked) {
      seen.add(h.id);
      hits.push(h);
    }
  }
  if (hits.length < want && q.length >= 3) {
    // Word similarity 0.5 (default 0.6) lets one swapped or missing letter in a short word still match.
    const similar = await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL pg_trgm.word_similarity_threshold = 0.5`.execute(tx);
      return sql<SearchHit>`
      SELECT ${COLUMNS}, 'similar' AS match FROM products p
      WHERE ${q} <% lower(p.name) ${filters(f)}
      ORDER BY word_similarity(${q}, lower(p.name)) DESC, length(p.name), p.id LIMIT ${want + hits.length}`.execute(tx);
    });
    for (const h of similar.rows) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      hits.push(h);
    }
  }
  return hits.slice(offset, offset + limit);
}

/** Exact barcode lookup: the scanner's path, one primary-key probe and one join. */
export async function productByBarcode(db: Kysely<Database>, barcode: string): Promise<SearchHit | undefined> {
  const r = await sql<SearchHit>`
    SELECT ${COLUMNS}, 'exact' AS match FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE b.barcode = ${barcode}`.execute(db);
  return r.rows[0];
}
