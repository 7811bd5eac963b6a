import { demoCatalogCsv, importCatalog, migrate, openDatabase } from '@keel/transactional';
import type { ScratchDatabase } from './scratch-database.js';

/** Migrate a scratch database and fill it with `count` demo products through the bulk import path. */
export async function seedCatalog(database: ScratchDatabase, count: number, log: (m: string) => void): Promise<{ seconds: number }> {
  const { db } = await openDatabase({ databaseUrl: database.url, dataDir: '/tmp', poolSize: 2 });
  try {
    await migrate(db);
    const started = performance.now();
    let lastLog = 0;
    const report = await importCatalog(db, demoCatalogCsv(count), {
      actor: 'bench',
      onProgress: (p) => {
        if (p.phase !== 'reading' || p.rows - lastLog >= 200_000) {
          lastLog = p.rows;
          log(`  seeding: ${p.phase} ${p.rows} rows`);
        }
      },
    });
    if (report.inserted !== count)
      throw new Error(`seeding inserted ${report.inserted} of ${count}: ${JSON.stringify(report.fileError ?? report.badRows.slice(0, 3))}`);
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.destroy();
    await database.with((c) => c.query('VACUUM ANALYZE'));
  }
}
