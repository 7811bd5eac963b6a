import { readFileSync } from 'node:fs';
import { withCheckDigit } from '@keel/core';
import { chromium } from 'playwright-core';
import { type BenchResult, round, type ScenarioOutcome } from '../bench-result.js';
import { seedCatalog } from '../catalog-database.js';
import { CatalogProbe } from '../catalog-probe.js';
import { KeelProcess } from '../keel-process.js';
import type { ScenarioOptions } from '../scenario.js';
import { ScratchDatabase } from '../scratch-database.js';

const GOALS = { firstLoadMs: 15_000, warmOpenMs: 2_000, barcodeP95Ms: 1, nameP95Ms: 16, memoryMb: 600, deltaMs: 1_000 };
const QUERIES = [
  'milk',
  'whole mi',
  'organic butter',
  'sourdough',
  'croiss',
  'coffee be',
  'valley farm',
  'shampo',
  'nordic gold lager',
  'pineaple',
  'red wine 75',
  'fish',
];

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? 0;
};

/** Resident memory of the tab's renderer process (page and its worker), from /proc, via CDP's process list. */
async function rendererMb(browser: import('playwright-core').Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> };
  await cdp.detach();
  let kb = 0;
  for (const p of info.processInfo.filter((x) => x.type === 'renderer')) {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
    kb += Number(m?.[1] ?? 0);
  }
  return kb / 1024;
}

/**
 * The terminal's offline catalog at a million products in Debian's Chromium: first download and
 * store of the Arrow snapshot, warm reopen from OPFS, barcode and name lookups through the Web
 * Worker, tab memory, and a 1,000-product delta. The ceiling: the same snapshot fetched raw by Node.
 */
export async function terminalCatalog(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const count = options.quick ? 100_000 : 1_000_000;
  const database = await ScratchDatabase.create();
  let keel: KeelProcess | undefined;
  let probe: CatalogProbe | undefined;
  let browser: import('playwright-core').Browser | undefined;
  try {
    log(`seeding ${count} products`);
    await seedCatalog(database, count, log);
    keel = await KeelProcess.start({ databaseUrl: database.url, logLevel: 'warn' });
    // The server builds its prepared snapshot file on the first request (the query), then serves the file.
    log('the snapshot fetched raw by Node: first (the server builds its file), then again (the file: the ceiling)');
    const buildStart = performance.now();
    const raw = await fetch(`${keel.url}/api/v1/catalog/snapshot`).then((r) => r.arrayBuffer());
    const buildMs = performance.now() - buildStart;
    log(`  first ${round(buildMs)} ms`);
    const rawStart = performance.now();
    await fetch(`${keel.url}/api/v1/catalog/snapshot`).then((r) => r.arrayBuffer());
    const rawMs = performance.now() - rawStart;
    log(`  again ${round(rawMs)} ms`);
    probe = await CatalogProbe.start(keel.url);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await (await browser.newContext()).newPage();
    await page.goto(probe.url);
    await page.waitForFunction(() => 'keelCatalog' in window);
    log('first open: download, store in OPFS, index');
    const first = await page.evaluate(async () => {
      const t = performance.now();
      const r = await window.keelCatalog.open();
      return { ...r, ms: performance.now() - t };
    });
    if (first.source !== 'downloaded' || first.products !== count) throw new Error(`first open: ${JSON.stringify(first)}`);
    log(`  ${round(first.ms)} ms (index ${first.index})`);
    log('warm reopen after a reload');
    await page.reload();
    await page.waitForFunction(() => 'keelCatalog' in window);
    const warm = await page.evaluate(async () => {
      const t = performance.now();
      const r = await window.keelCatalog.open();
      return { ...r, ms: performance.now() - t };
    });
    if (warm.source !== 'stored') throw new Error(`warm open did not use storage: ${JSON.stringify(warm)}`);
    log(`  ${round(warm.ms)} ms (index ${warm.index})`);
    if (warm.index !== 'stored') throw new Error(`warm open rebuilt the index: ${JSON.stringify(warm)}`);

    const codes = Array.from({ length: 2000 }, (_, i) => withCheckDigit(String(400_000_000_000 + ((i * 7919) % count))));
    const lookups = await page.evaluate(async (list) => {
      const times: number[] = [];
      let found = 0;
      for (const c of list) {
        const t = performance.now();
        if (await window.keelCatalog.byBarcode(c)) found++;
        times.push(performance.now() - t);
      }
      return { times, found };
    }, codes);
    if (lookups.found !== codes.length) throw new Error(`barcode lookups found ${lookups.found} of ${codes.length}`);
    const searches = await page.evaluate(async (queries) => {
      const times: number[] = [];
      let empty = 0;
      for (let round = 0; round < 20; round++) {
        for (const q of queries) {
          const t = performance.now();
          if ((await window.keelCatalog.search(q)).length === 0) empty++;
          times.push(performance.now() - t);
        }
      }
      return { times, empty };
    }, QUERIES);
    const memoryMb = await rendererMb(browser);

    log('delta: 1,000 products change on the server');
    await database.with((c) => c.query('UPDATE products SET price = price + 10 WHERE id IN (SELECT id FROM products ORDER BY id LIMIT 1000)'));
    const delta = await page.evaluate(async () => {
      const t = performance.now();
      const r = await window.keelCatalog.sync();
      return { ...r, ms: performance.now() - t };
    });
    if (delta.applied !== 1000) throw new Error(`delta applied ${delta.applied} products, expected 1000`);

    const figures = {
      firstLoadMs: round(first.ms),
      warmOpenMs: round(warm.ms),
      barcodeP95Ms: round(p95(lookups.times), 3),
      nameP95Ms: round(p95(searches.times), 2),
      memoryMb: round(memoryMb),
      deltaMs: round(delta.ms),
    };
    const pass = (Object.keys(GOALS) as Array<keyof typeof GOALS>).every((k) => figures[k] < GOALS[k]);
    const rows: Array<{ figure: string; value: number; goal: string }> = (Object.keys(GOALS) as Array<keyof typeof GOALS>).map((k) => ({
      figure: k,
      value: figures[k],
      goal: `< ${GOALS[k]}`,
    }));
    rows.push({ figure: 'rawSnapshotFetchMs (ceiling, prepared file)', value: round(rawMs), goal: '' });
    rows.push({ figure: 'snapshotBuildMs (first request: query + file)', value: round(buildMs), goal: '' });
    const result: BenchResult = {
      scenario: 'terminal-catalog',
      metric: `first download+store+index of the ${count}-product snapshot in Chromium (ms, lower is better) vs the raw fetch of the same prepared snapshot file by Node; ratio = baseline / value`,
      value: figures.firstLoadMs,
      unit: 'ms',
      baseline: round(rawMs),
      ratio: round(rawMs / first.ms, 3),
      target: Object.entries(GOALS)
        .map(([k, v]) => `${k} < ${v}`)
        .join(' && '),
      pass,
      params: {
        quick: options.quick,
        products: count,
        snapshotBytes: raw.byteLength,
        snapshotBuildMs: round(buildMs),
        firstOpen: { loadMs: round(first.loadMs), indexMs: round(first.indexMs), index: first.index },
        warmOpen: { loadMs: round(warm.loadMs), indexMs: round(warm.indexMs), index: warm.index },
        barcodeLookups: codes.length,
        nameSearches: searches.times.length,
        emptySearches: searches.empty,
        ...figures,
      },
    };
    return { result, tables: [{ title: `terminal offline catalog at ${count} products`, rows }] };
  } finally {
    await browser?.close().catch(() => undefined);
    await probe?.stop().catch(() => undefined);
    await keel?.stop().catch((e: unknown) => log(`could not stop Keel: ${(e as Error).message}`));
    await database.drop().catch((e: unknown) => log(`could not drop ${database.name}: ${(e as Error).message}`));
  }
}
