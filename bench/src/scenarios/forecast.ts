import { addDays, type BacktestResult, backtest, dailyDemand, loadDemoHistory, ranking, syntheticDemand } from '@keel/warehouse';
import { type BenchResult, round, type ScenarioOutcome, type TableRow } from '../bench-result.js';
import type { ScenarioOptions } from '../scenario.js';
import { tempWarehouse } from './temp-warehouse.js';

const END_DAY = '2026-11-24';
const TARGET_RATIO = 0.8;

/**
 * Forecast accuracy: generated history with known weekly seasonality, trend and promotions is
 * loaded into the warehouse; daily demand per store (revenue) and per top product x store (units)
 * is read back from the views and backtested with a rolling origin over the last 8 weeks (one
 * origin a week, 14 days ahead). Holt-Winters against seasonal-naive from the same origins.
 */
export async function forecast(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const shape = options.quick ? { lines: 1_000_000, stores: 6, products: 2_000, days: 364 } : { lines: 10_000_000, stores: 12, products: 5_000, days: 728 };
  const { wh, dispose } = await tempWarehouse('forecast');
  try {
    log(`loading ${shape.lines.toLocaleString()} lines of history (${shape.stores} stores, ${shape.days} days)`);
    const load = await loadDemoHistory(wh, { ...shape, endDay: END_DAY, seed: 11, daysPerBatch: 28 });
    const historyDays = Math.min(shape.days, 364);
    const series: Array<{ name: string; y: number[] }> = [];
    for (let s = 1; s <= shape.stores; s++) {
      const d = await dailyDemand(wh, { through: END_DAY, historyDays, storeId: s, measure: 'revenue' });
      series.push({ name: `store ${s} revenue`, y: d.actual });
    }
    const top = await ranking(
      wh,
      'product',
      { from: addDays(END_DAY, -55), to: END_DAY, storeId: 1 },
      { by: 'items', order: 'top', limit: options.quick ? 5 : 15 },
      'view',
    );
    for (const id of top.key) {
      for (const s of [1, 2]) {
        const d = await dailyDemand(wh, { through: END_DAY, historyDays, storeId: s, productId: Number(id), measure: 'items' });
        series.push({ name: `product ${id} @ store ${s} units`, y: d.actual });
      }
    }
    const rows: TableRow[] = [];
    const results: BacktestResult[] = [];
    const started = performance.now();
    for (const s of series) {
      const r = backtest(s.y, { origins: 8, step: 7, horizon: 14 });
      results.push(r);
      rows.push({
        series: s.name,
        hwSmape: round(r.holtWinters.smape, 2),
        naiveSmape: round(r.seasonalNaive.smape, 2),
        hwMape: round(r.holtWinters.mape, 2),
        naiveMape: round(r.seasonalNaive.mape, 2),
        coverage95: round(r.intervalCoverage, 2),
      });
    }
    const fitMs = performance.now() - started;
    // A clean check of the model on its own: series with known pattern, no warehouse in between.
    const weekly = [0.8, 0.85, 0.9, 1.0, 1.2, 1.6, 0.65];
    const synthetic = [1, 2, 3, 4, 5, 6].map((seed) =>
      backtest(syntheticDemand({ days: 182, base: 120, trendPerDay: 0.003, weekly, noise: 0.12, promoChance: 0.03, promoUplift: 0.6, seed }), {
        origins: 8,
        step: 7,
        horizon: 14,
      }),
    );
    const mean = (xs: BacktestResult[], f: (r: BacktestResult) => number) => xs.reduce((s, r) => s + f(r), 0) / xs.length;
    const hw = mean(results, (r) => r.holtWinters.smape);
    const naive = mean(results, (r) => r.seasonalNaive.smape);
    const ratio = hw / naive;
    log(`backtest of ${series.length} series: sMAPE Holt-Winters ${round(hw, 2)}% vs seasonal-naive ${round(naive, 2)}%`);
    const result: BenchResult = {
      scenario: 'forecast',
      metric:
        'mean sMAPE of Holt-Winters over an 8-week rolling-origin backtest, 14 days ahead, % (lower is better; baseline = seasonal-naive from the same origins; ratio = value / baseline)',
      value: round(hw, 2),
      unit: '%',
      baseline: round(naive, 2),
      ratio: round(ratio, 3),
      target: `ratio <= ${TARGET_RATIO} (at least 20% lower error than seasonal-naive)`,
      pass: ratio <= TARGET_RATIO,
      params: {
        history: {
          ...shape,
          linesLoaded: load.lines,
          loadSeconds: round(load.seconds),
          firstDay: load.firstDay,
          lastDay: load.lastDay,
          generator: 'weekly pattern Mon..Sun 0.8/0.85/0.9/1.0/1.25/1.6/0.6, +0.08%/day trend, 4% promotion days (+50%), 10% day noise',
        },
        series: series.length,
        historyDaysPerSeries: historyDays,
        origins: 8,
        horizonDays: 14,
        mapeHoltWinters: round(
          mean(results, (r) => r.holtWinters.mape),
          2,
        ),
        mapeSeasonalNaive: round(
          mean(results, (r) => r.seasonalNaive.mape),
          2,
        ),
        intervalCoverage95: round(
          mean(results, (r) => r.intervalCoverage),
          3,
        ),
        fitAndBacktestMsPerSeries: round(fitMs / series.length, 1),
        syntheticSeries: {
          count: synthetic.length,
          smapeHoltWinters: round(
            mean(synthetic, (r) => r.holtWinters.smape),
            2,
          ),
          smapeSeasonalNaive: round(
            mean(synthetic, (r) => r.seasonalNaive.smape),
            2,
          ),
          mapeHoltWinters: round(
            mean(synthetic, (r) => r.holtWinters.mape),
            2,
          ),
          mapeSeasonalNaive: round(
            mean(synthetic, (r) => r.seasonalNaive.mape),
            2,
          ),
        },
      },
    };
    return { result, tables: [{ title: 'forecast backtest per series (8 weekly origins, 14 days ahead)', rows }] };
  } finally {
    await dispose();
  }
}
