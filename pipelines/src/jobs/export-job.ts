import type { Warehouse } from '@keel/warehouse';
import { wallClock } from '../cron-expression.js';
import { type ExportFormat, exportSaleLines } from '../data-export.js';
import type { Job } from '../job.js';
import { addDays } from '../report-period.js';

/** Nightly: yesterday's sale lines as CSV and Parquet into the export folder, for accountants and other systems. */
export function exportJob(deps: { warehouse: Warehouse; dir: string; timeZone: string; formats: readonly ExportFormat[] }, schedule = '45 1 * * *'): Job {
  return {
    name: 'export',
    description: "Export yesterday's sale lines (CSV, Parquet) to the export folder",
    schedule,
    async run(ctx) {
      const w = wallClock(ctx.scheduledFor, deps.timeZone);
      const day = addDays(`${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`, -1);
      const files = [];
      for (const f of deps.formats) files.push(await exportSaleLines(deps.warehouse, deps.dir, { from: day, to: day }, f));
      return { day, files: files.map((f) => `${f.file} (${f.rows} rows)`) };
    },
  };
}
