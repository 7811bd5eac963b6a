import { randomUUID } from 'node:crypto';
import type { Warehouse } from './warehouse.js';

/**
 * A query's result kept in a memory table while the data it read stays the same, so a dashboard
 * asked again every few seconds (live ones redraw on every sale) sums the closed past once.
 *
 * Tables live in the database `keel_memo` (ENGINE = Memory: nothing on disk; gone with the
 * process under chDB, with the server's restart under a ClickHouse server). A kept result belongs
 * to the days it read: at every use it compares the active parts of the source table holding any
 * of those days (name, rows, modification time) with the parts it was computed from. Parts are
 * never changed in place, so anything new for those days (a late sale, a repair, a mutation) adds
 * or replaces a part and the result is computed again; a merge replaces parts too, costing one
 * recomputation. Sales for later days (today) add parts outside the range and leave it alone.
 */
export interface KeptQuery {
  /** Names the result among those kept for this warehouse (the same key, the same question). */
  key: string;
  /** The SELECT to keep; its columns become the table's. */
  select: string;
  params: Record<string, unknown>;
  /** The table it reads (partitioned by a Date column: its parts' min/max dates bound their days). */
  source: string;
  /** The first and last day it reads. */
  from: string;
  to: string;
}

const DATABASE = 'keel_memo';
/**
 * How many rows a warehouse keeps in all (~50 bytes a row uncompressed: ~100 MB), the least
 * recently used results dropped first; the newest result is kept whatever its size.
 */
const KEPT_ROWS = 2_000_000;

interface Kept {
  parts: string;
  table: Promise<string>;
  /** Its row count once built. */
  rows?: number;
}

const kept = new WeakMap<Warehouse, Map<string, Kept>>();

/**
 * The name of a table holding the query's result as of now: the one kept, if the parts it was
 * computed from are those there now, or a new one (callers asking at once share it).
 */
export async function keptResult(wh: Warehouse, q: KeptQuery): Promise<string> {
  const parts = await partsHolding(wh, q);
  let results = kept.get(wh);
  if (!results) {
    results = new Map();
    kept.set(wh, results);
  }
  const held = results.get(q.key);
  results.delete(q.key); // re-inserted below: the map's order is least recently used first
  if (held?.parts === parts) {
    results.set(q.key, held);
    return held.table;
  }
  const fresh: Kept = {
    parts,
    table: build(wh, q).then(({ table, rows }) => {
      fresh.rows = rows;
      return table;
    }),
  };
  results.set(q.key, fresh);
  if (held) void drop(wh, held);
  try {
    await fresh.table;
  } catch (err) {
    if (results.get(q.key) === fresh) results.delete(q.key);
    throw err;
  }
  let rows = 0;
  for (const k of results.values()) rows += k.rows ?? 0;
  for (const [key, old] of results) {
    if (rows <= KEPT_ROWS || old === fresh) break;
    results.delete(key);
    rows -= old.rows ?? 0;
    void drop(wh, old);
  }
  return fresh.table;
}

/** Forget a kept table a query could not read (dropped under it): the next request builds another. */
export function forgetKept(wh: Warehouse, key: string, table: string): void {
  const results = kept.get(wh);
  const held = results?.get(key);
  if (!results || !held) return;
  void held.table.then(
    (t) => {
      if (t === table && results.get(key) === held) results.delete(key);
    },
    () => {},
  );
}

/**
 * The source's parts holding any day of the range, as one string. Rows and modification time
 * beside the name tell a part from one of the same name in a table dropped and made again.
 */
async function partsHolding(wh: Warehouse, q: KeptQuery): Promise<string> {
  const [row] = await wh.query<{ parts: string }>(
    `SELECT arrayStringConcat(arraySort(groupArray(concat(name, ':', toString(rows), ':', toString(toUnixTimestamp(modification_time))))), ',') AS parts
FROM system.parts
WHERE database = currentDatabase() AND table = {source:String} AND active AND max_date >= {from:Date} AND min_date <= {to:Date}`,
    { source: q.source, from: q.from, to: q.to },
  );
  return row?.parts ?? '';
}

async function build(wh: Warehouse, q: KeptQuery): Promise<{ table: string; rows: number }> {
  const table = `${DATABASE}.kept_${randomUUID().replaceAll('-', '')}`;
  await wh.execute(`CREATE DATABASE IF NOT EXISTS ${DATABASE} ENGINE = Memory`);
  await wh.execute(`CREATE TABLE ${table} ENGINE = Memory EMPTY AS ${q.select}`, q.params);
  try {
    await wh.execute(`INSERT INTO ${table} ${q.select}`, q.params);
    const [count] = await wh.query<{ n: number | string }>(`SELECT count() AS n FROM ${table}`);
    return { table, rows: Number(count?.n ?? 0) };
  } catch (err) {
    await wh.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    throw err;
  }
}

/** A query reading it right now either finishes (it holds the table) or fails and is asked again by its caller. */
async function drop(wh: Warehouse, old: Kept): Promise<void> {
  const table = await old.table.catch(() => undefined);
  if (table) await wh.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
}
