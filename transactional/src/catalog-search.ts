import { words } from '@keel/terminal-ui/catalog-index';
import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { CATALOG_ROW_COLUMNS, type CatalogRow } from './catalog-columns.js';
import type { CatalogMemory } from './catalog-memory.js';
import { rankOf } from './catalog-word-rank.js';
import type { Database } from './database.js';
import { prepared } from './prepared-statements.js';
import { SKU_PATTERN } from './product-row-check.js';

export interface SearchFilters {
  readonly categoryId?: number | undefined;
  readonly brandId?: number | undefined;
  readonly active?: boolean | undefined;
}

export interface SearchHit extends CatalogRow {
  /** 'exact' (barcode or SKU), 'prefix' (the name starts with the query), 'words' (holds every word) or 'similar' (typo-tolerant trigram match). */
  readonly match: 'exact' | 'prefix' | 'words' | 'similar';
}

/** The ids of a category and every category below it, at any depth (none when it does not exist): a category filter takes in its sub-categories. */
export function categorySubtree(id: number) {
  return sql<{ id: number }>`WITH RECURSIVE tree(id) AS (
      SELECT id FROM categories WHERE id = ${id} UNION ALL SELECT k.id FROM categories k JOIN tree ON k.parent_id = tree.id)
    SELECT id FROM tree`;
}

function filters(f: SearchFilters) {
  return sql`${f.categoryId !== undefined ? sql`AND p.category_id IN (${categorySubtree(f.categoryId)})` : sql``}
    ${f.brandId !== undefined ? sql`AND p.brand_id = ${f.brandId}` : sql``}
    ${f.active !== undefined ? sql`AND p.active = ${f.active}` : sql``}`;
}

/**
 * Search the catalog the way a cashier types: an exact barcode or SKU first, then names that start
 * with the text, then names holding its words, then names holding its words with typos corrected
 * against the catalog's vocabulary. Each part is a bounded index scan.
 */
export async function searchProducts(
  db: Kysely<Database>,
  text: string,
  f: SearchFilters,
  limit: number,
  offset: number,
  memory?: CatalogMemory,
): Promise<SearchHit[]> {
  const q = text.trim().toLowerCase();
  if (q === '') return [];
  const want = limit + offset;
  const code = text.trim();
  const hits: SearchHit[] = [];
  const seen = new Set<number>();
  const add = (rows: SearchHit[]) => {
    for (const h of rows) {
      if (seen.has(h.id)) continue;
      seen.add(h.id);
      hits.push(h);
    }
  };
  // The exact and prefix parts have the same plan whatever the text: without filters (the till's
  // search) they run prepared, planned once a connection. A filter's best plan may depend on its value.
  const filtered = f.categoryId !== undefined || f.brandId !== undefined || f.active !== undefined;
  const run = async <R>(query: CompiledQuery<R>) => (await db.executeQuery(filtered ? query : prepared(query))).rows;
  // A barcode or SKU holds no space (barcodes use a subset of a SKU's characters): other text cannot match exactly.
  const exact = SKU_PATTERN.test(code)
    ? sql<SearchHit>`
        SELECT ${CATALOG_ROW_COLUMNS}, 'exact' AS match FROM products p
        WHERE (p.id = (SELECT product_id FROM product_barcodes WHERE barcode = ${code}) OR p.sku = ${code}) ${filters(f)}`
    : undefined;
  // Names starting with q, as a range in the text_pattern_ops index's byte order (U+10FFFF sorts after
  // any character that can follow q), read in that order: no sort, and no LIKE pattern for a generic plan to miss.
  const prefix =
    q.length >= 2
      ? sql<SearchHit>`
        SELECT ${CATALOG_ROW_COLUMNS}, 'prefix' AS match FROM products p
        WHERE lower(p.name) ~>=~ ${q} AND lower(p.name) ~<~ ${`${q}\u{10FFFF}`} ${filters(f)}
        ORDER BY lower(p.name) USING ~<~ LIMIT ${want}`
      : undefined;
  // Both in one round trip; the exact rows first, then the prefix rows in their order.
  const both = exact && prefix ? sql<SearchHit>`(${exact}) UNION ALL (${prefix})` : (exact ?? prefix);
  if (both) {
    const rows = await run(both.compile(db));
    add(rows.filter((r) => r.match === 'exact'));
    add(rows.filter((r) => r.match === 'prefix'));
  }
  const terms = q.split(/\s+/).filter((t) => t.length >= 2);
  // The till's search (no filter) takes its candidates from the catalog in memory when there is one.
  const index = filtered ? undefined : memory;
  if (hits.length < want && terms.length > 0) add(await namesHolding(db, terms, 'words', f, want, index));
  if (hits.length < want && q.length >= 3 && terms.length > 0) {
    // Typos: each word that is not a catalog word (the last one may also be the start of one: the
    // cashier is still typing) is replaced by its three nearest catalog words (trigram similarity over
    // the vocabulary, not over a million names), then names holding the corrected words are found as above.
    const last = terms.length - 1;
    const fixes = await sql<{ i: number; words: string[] }>`
      SELECT t.i::int AS i, ARRAY(SELECT w.word FROM catalog_words w WHERE w.word % t.term ORDER BY similarity(w.word, t.term) DESC, w.word LIMIT 3) AS words
      FROM unnest(${terms}::text[]) WITH ORDINALITY AS t(term, i)
      WHERE length(t.term) >= 3 AND NOT EXISTS (SELECT 1 FROM catalog_words w WHERE w.word = t.term)
        AND (t.i - 1 <> ${last} OR NOT starts_with(COALESCE((SELECT min(w.word) FROM catalog_words w WHERE w.word >= t.term), ''), t.term))`.execute(db);
    const fixed = new Map(fixes.rows.filter((r) => r.words.length > 0).map((r) => [Number(r.i) - 1, r.words]));
    if (fixed.size > 0)
      add(
        await namesHolding(
          db,
          terms.map((t, i) => fixed.get(i) ?? [t]),
          'similar',
          f,
          want,
          index,
        ),
      );
  }
  return hits.slice(offset, offset + limit);
}

/**
 * The best `want` names holding every term anywhere, ranked by `rankOf`: from the catalog in memory
 * when it can answer (it ranks every match it walks), else from the trigram GIN index (a bounded set
 * of candidates, unordered in SQL so the scan stops early, ranked here).
 */
async function namesHolding(
  db: Kysely<Database>,
  terms: ReadonlyArray<string | readonly string[]>,
  match: 'words' | 'similar',
  f: SearchFilters,
  want: number,
  memory: CatalogMemory | undefined,
): Promise<SearchHit[]> {
  const alternatives = terms.map((t) => (typeof t === 'string' ? [t] : t));
  const known = await memory?.holding(alternatives, want);
  if (known) return known.map((row) => ({ ...row, match }));
  // Candidates to rank: enough to fill the page twice; a scan that finds them early stops early.
  const like = (t: string) => sql`lower(p.name) LIKE ${`%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`;
  const { rows } = await sql<SearchHit>`
    SELECT ${CATALOG_ROW_COLUMNS}, ${match} AS match FROM products p
    WHERE ${sql.join(
      alternatives.map((any) => sql`(${sql.join(any.map(like), sql` OR `)})`),
      sql` AND `,
    )} ${filters(f)}
    LIMIT ${Math.max(40, want * 2)}`.execute(db);
  const rank = (name: string) => {
    const held = words(name);
    const starts = alternatives.filter((any) => any.some((t) => held.some((w) => w.startsWith(t)))).length;
    return rankOf(alternatives.length, starts, name.length);
  };
  return rows.sort((a, b) => rank(a.name) - rank(b.name) || a.id - b.id);
}

/** Exact barcode lookup: the scanner's path, from the catalog in memory when it can answer, else one primary-key probe and one join. */
export async function productByBarcode(db: Kysely<Database>, barcode: string, memory?: CatalogMemory): Promise<CatalogRow | undefined> {
  const known = await memory?.byBarcode(barcode);
  if (known !== undefined) return known ?? undefined;
  const r = await db.executeQuery(
    prepared(
      sql<CatalogRow>`
    SELECT ${CATALOG_ROW_COLUMNS} FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE b.barcode = ${barcode}`.compile(db),
    ),
  );
  return r.rows[0];
}
