import { describe, expect, it } from 'vitest';
import { backtest, holtWinters, seasonalNaive, syntheticDemand } from '../src/index.js';

const WEEKLY = [0.8, 0.85, 0.9, 1.0, 1.2, 1.6, 0.65];

describe('Holt-Winters demand forecast', () => {
  it('beats seasonal-naive by at least 20% (sMAPE and MAPE) in an 8-week rolling-origin backtest over products with weekly seasonality, trend and promotions', () => {
    // Six products' daily demand over 26 weeks: +0.3% a day, a weekly pattern, 12% noise, 3% promotion days.
    const results = [1, 2, 3, 4, 5, 6].map((seed) =>
      backtest(syntheticDemand({ days: 26 * 7, base: 120, trendPerDay: 0.003, weekly: WEEKLY, noise: 0.12, promoChance: 0.03, promoUplift: 0.6, seed }), {
        origins: 8,
        step: 7,
        horizon: 14,
      }),
    );
    const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
    for (const r of results) {
      expect(r.points).toBe(8 * 14);
      expect(r.holtWinters.smape).toBeLessThan(r.seasonalNaive.smape);
      // The ~95% interval holds most actuals (promotion days fall outside on purpose).
      expect(r.intervalCoverage).toBeGreaterThan(0.85);
    }
    expect(mean((r) => r.holtWinters.smape)).toBeLessThan(0.8 * mean((r) => r.seasonalNaive.smape));
    expect(mean((r) => r.holtWinters.mape)).toBeLessThan(0.8 * mean((r) => r.seasonalNaive.mape));
  });

  it('follows a clean weekly pattern with a trend almost exactly, 28 days ahead', () => {
    const y = Array.from({ length: 84 }, (_, t) => (100 + t) * (WEEKLY[t % 7] as number));
    const f = holtWinters(y, 28);
    const truth = Array.from({ length: 28 }, (_, h) => (100 + 84 + h) * (WEEKLY[(84 + h) % 7] as number));
    f.mean.forEach((v, h) => {
      expect(Math.abs(v - (truth[h] as number)) / (truth[h] as number)).toBeLessThan(0.05);
    });
    f.mean.forEach((v, h) => {
      expect(f.lower[h]).toBeLessThanOrEqual(v);
      expect(f.upper[h]).toBeGreaterThanOrEqual(v);
    });
  });

  it('never forecasts negative demand, and falls back to seasonal-naive on short history', () => {
    const f = holtWinters([5, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 14);
    expect(f.mean.every((v) => v >= 0) && f.lower.every((v) => v >= 0)).toBe(true);
    expect(holtWinters([1, 2, 3, 4, 5, 6, 7, 8], 7).mean).toEqual(seasonalNaive([1, 2, 3, 4, 5, 6, 7, 8], 7));
  });
});
