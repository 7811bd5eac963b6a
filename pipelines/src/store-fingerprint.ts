import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { fileSha256 } from './part-cipher.js';
import type { PipelinesDatabase } from './pipelines-database.js';

/**
 * What a restore must reproduce exactly: row counts of every table, money and quantity sums,
 * a hash chained over the audit log in order, and the hash of every shared file.
 */
export interface StoreFingerprint {
  counts: Record<string, number>;
  sums: Record<string, number>;
  /** sha256 chained over audit entries by id: h(n) = sha256(h(n-1) + entry n). */
  auditChain: string;
  files: { path: string; sha256: string; bytes: number }[];
}

export interface WarehouseFingerprint {
  saleLines: number;
  revenue: number;
  cost: number;
}

const SUMS: readonly [string, string, string][] = [
  ['sales.total', 'sales', 'total'],
  ['sale_lines.total', 'sale_lines', 'total'],
  ['sale_lines.cost', 'sale_lines', 'cost'],
  ['sale_lines.quantity_milli', 'sale_lines', 'quantity_milli'],
  ['sale_tenders.amount', 'sale_tenders', 'amount'],
  ['stock_movements.quantity_milli', 'stock_movements', 'quantity_milli'],
  ['products.price', 'products', 'price'],
  ['products.cost', 'products', 'cost'],
];

export async function databaseFingerprint(db: Kysely<PipelinesDatabase>): Promise<Omit<StoreFingerprint, 'files'>> {
  const tables = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await sql<{ n: number }>`SELECT count(*)::bigint AS n FROM ${sql.table(name)}`.execute(db);
    counts[name] = Number(r.rows[0]?.n ?? 0);
  }
  const sums: Record<string, number> = {};
  for (const [key, table, column] of SUMS) {
    if (counts[table] === undefined) continue;
    const r = await sql<{ s: number }>`SELECT COALESCE(sum(${sql.ref(column)}), 0)::bigint AS s FROM ${sql.table(table)}`.execute(db);
    sums[key] = Number(r.rows[0]?.s ?? 0);
  }
  return { counts, sums, auditChain: await auditChain(db) };
}

async function auditChain(db: Kysely<PipelinesDatabase>): Promise<string> {
  let h = '';
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number; line: string }>`
      SELECT id, json_build_array(id, extract(epoch FROM at)::text, actor, action, subject, detail, request_id)::text AS line
      FROM audit_log WHERE id > ${after} ORDER BY id LIMIT 5000`.execute(db);
    if (rows.length === 0) return h;
    for (const r of rows) h = createHash('sha256').update(h).update(r.line).digest('hex');
    after = Number(rows.at(-1)?.id ?? after);
  }
}

/** Every file under `root`, relative paths with '/', sorted, with sha256 and size. */
export async function filesFingerprint(root: string): Promise<StoreFingerprint['files']> {
  const out: StoreFingerprint['files'] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        const { size } = await import('node:fs/promises').then((fs) => fs.stat(full));
        out.push({ path: path.relative(root, full).split(path.sep).join('/'), sha256: await fileSha256(full), bytes: size });
      }
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The same three figures, whether asked of the live table or of an exported Parquet file. */
export const WAREHOUSE_FINGERPRINT_SELECT = 'count() AS saleLines, sum(total) AS revenue, sum(cost) AS cost';

/** Differences between two fingerprints, as sentences; empty when they are identical. */
export function fingerprintDifferences(expected: unknown, actual: unknown, where = ''): string[] {
  if (expected === null || actual === null || typeof expected !== 'object' || typeof actual !== 'object') {
    return JSON.stringify(expected) === JSON.stringify(actual)
      ? []
      : [`${where || 'value'}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
  }
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].flatMap((k) =>
    fingerprintDifferences((expected as Record<string, unknown>)[k] ?? null, (actual as Record<string, unknown>)[k] ?? null, where ? `${where}.${k}` : k),
  );
}
