import { chmod, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Warehouse } from '@keel/warehouse';

export type ExportFormat = 'csv' | 'parquet';

/**
 * Write the sale lines of the business days `from`..`to` as CSV (with a header) or Parquet into
 * `dir`, named sale-lines-<from>_<to>.<ext>, 0600; written beside and renamed, so a reader never
 * sees half a file. Embedded warehouse (chDB) only.
 */
export async function exportSaleLines(
  wh: Warehouse,
  dir: string,
  range: { from: string; to: string },
  format: ExportFormat,
): Promise<{ file: string; rows: number }> {
  if (wh.kind !== 'chdb') throw new Error('exports from a ClickHouse server are not supported yet; query it with its own client');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(range.from) || !/^\d{4}-\d{2}-\d{2}$/.test(range.to)) throw new Error('days must be YYYY-MM-DD');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(path.resolve(dir), `sale-lines-${range.from}_${range.to}.${format === 'csv' ? 'csv' : 'parquet'}`);
  const partial = `${file}.partial`;
  if (/['\\]/.test(partial)) throw new Error('the export directory path may not contain quotes or backslashes');
  await wh.query(
    `SELECT * FROM sale_lines WHERE business_day BETWEEN toDate('${range.from}') AND toDate('${range.to}')
ORDER BY store_id, business_day, sale_id, line_no
INTO OUTFILE '${partial}' TRUNCATE FORMAT ${format === 'csv' ? 'CSVWithNames' : 'Parquet'}`,
  );
  await chmod(partial, 0o600);
  await rename(partial, file);
  const [r] = await wh.query<{ n: number }>(`SELECT count() AS n FROM file({p:String}, ${format === 'csv' ? 'CSVWithNames' : 'Parquet'})`, { p: file });
  return { file, rows: r?.n ?? 0 };
}
