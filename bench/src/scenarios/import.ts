import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { demoCatalogCsv, importCatalog, migrate, openDatabase } from '@keel/transactional';
import { type BenchResult, round, type ScenarioOutcome } from '../bench-result.js';
import type { ScenarioOptions } from '../scenario.js';
import { ScratchDatabase } from '../scratch-database.js';

const MIN_RATIO = 0.5;

/**
 * CSV import throughput: `keel import`'s path (streamed parse, checks, staging, one-transaction upsert
 * into the indexed catalog) on a generated catalog file, vs PostgreSQL COPY of the same file into a
 * bare table (psql \copy, client-side like the import), in the same run on the same server.
 */
export async function importScenario(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const count = options.quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-bench-import-'));
  const file = path.join(dir, 'catalog.csv');
  const database = await ScratchDatabase.create();
  try {
    log(`writing ${count} demo products to ${file}`);
    await pipeline(Readable.from(demoCatalogCsv(count)), createWriteStream(file));
    const bytes = statSync(file).size;

    log('ceiling: psql \\copy into a bare table');
    await database.with((c) =>
      c.query(
        'CREATE TABLE bare (sku text, name text, price text, cost text, tax_class text, barcodes text, category text, brand text, unit text, active text)',
      ),
    );
    const copyStart = performance.now();
    await psql(database.url, `\\copy bare FROM '${file}' WITH (FORMAT csv, HEADER true)`);
    const copySeconds = (performance.now() - copyStart) / 1000;
    const copied = await database.with(async (c) => Number((await c.query('SELECT count(*) AS n FROM bare')).rows[0]?.n));
    if (copied !== count) throw new Error(`COPY loaded ${copied} rows, expected ${count}`);
    log(`  ${round(count / copySeconds)} rows/s`);

    const { db } = await openDatabase({ databaseUrl: database.url, dataDir: dir, poolSize: 2 });
    try {
      await migrate(db);
      const phases: Record<string, number> = {};
      const importStart = performance.now();
      log('keel import into the empty catalog');
      const report = await importCatalog(db, createReadStream(file, { highWaterMark: 1 << 20 }), {
        actor: 'bench',
        onProgress: (p) => {
          if (p.phase !== 'reading') phases[p.phase] = (performance.now() - importStart) / 1000;
        },
      });
      const importSeconds = (performance.now() - importStart) / 1000;
      if (report.inserted !== count) throw new Error(`import inserted ${report.inserted} of ${count}`);
      log(`  ${round(count / importSeconds)} rows/s`);
      log('keel import of the same file again (nothing changes)');
      const againStart = performance.now();
      const again = await importCatalog(db, createReadStream(file, { highWaterMark: 1 << 20 }), { actor: 'bench' });
      const againSeconds = (performance.now() - againStart) / 1000;
      if (again.unchanged !== count) throw new Error(`re-import changed rows: ${JSON.stringify({ ...again, badRows: [] })}`);

      const value = count / importSeconds;
      const baseline = count / copySeconds;
      const ratio = value / baseline;
      const rows = [
        { step: 'psql \\copy into a bare table (ceiling)', seconds: round(copySeconds, 2), rowsPerSec: round(baseline) },
        { step: 'keel import, empty catalog', seconds: round(importSeconds, 2), rowsPerSec: round(value) },
        { step: '  of which reading+staging', seconds: round(phases.checking ?? 0, 2), rowsPerSec: round(count / (phases.checking ?? 1)) },
        { step: '  of which cross-checks', seconds: round((phases.applying ?? 0) - (phases.checking ?? 0), 2), rowsPerSec: 0 },
        { step: '  of which upsert+barcodes (one transaction)', seconds: round(importSeconds - (phases.applying ?? 0), 2), rowsPerSec: 0 },
        { step: 'keel import again, nothing changes', seconds: round(againSeconds, 2), rowsPerSec: round(count / againSeconds) },
      ];
      const result: BenchResult = {
        scenario: 'import',
        metric: 'rows/s of keel CSV import (checked, upserted into the indexed catalog, one transaction) vs psql \\copy of the same file into a bare table',
        value: round(value),
        unit: 'rows/s',
        baseline: round(baseline),
        ratio: round(ratio, 3),
        target: `ratio >= ${MIN_RATIO}`,
        pass: ratio >= MIN_RATIO,
        params: { quick: options.quick, products: count, fileBytes: bytes, reimportSeconds: round(againSeconds, 2), steps: rows },
      };
      return { result, tables: [{ title: `import of ${count} products`, rows }] };
    } finally {
      await db.destroy();
    }
  } finally {
    await database.drop().catch((e: unknown) => log(`could not drop ${database.name}: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

function psql(url: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql failed (${code}): ${err}`))));
  });
}
