import { holtWinters, seasonalNaive } from './holt-winters.js';

export interface BacktestOptions {
  /** Number of rolling origins, one per `step` days, ending at the end of the series (default 8). */
  readonly origins?: number;
  /** Days between origins (default 7: one origin per week). */
  readonly step?: number;
  /** Days forecast from each origin (default 7). */
  readonly horizon?: number;
  readonly period?: number;
}

export interface ErrorFigures {
  /** Mean absolute percentage error over points with a non-zero actual, percent. */
  readonly mape: number;
  /** Symmetric MAPE, percent (0..200). */
  readonly smape: number;
}

export interface BacktestResult {
  readonly holtWinters: ErrorFigures;
  readonly seasonalNaive: ErrorFigures;
  /** 1 - HW sMAPE / seasonal-naive sMAPE: 0.2 means 20% lower error than the baseline. */
  readonly improvement: number;
  /** Share of actuals inside Holt-Winters' prediction interval. */
  readonly intervalCoverage: number;
  readonly points: number;
}

/**
 * Rolling-origin backtest: for each origin, fit on everything before it, forecast `horizon` days,
 * and score against what happened, next to the seasonal-naive forecast from the same origin.
 */
export function backtest(y: readonly number[], options: BacktestOptions = {}): BacktestResult {
  const origins = options.origins ?? 8;
  const step = options.step ?? 7;
  const horizon = options.horizon ?? 7;
  const period = options.period ?? 7;
  const first = y.length - horizon - (origins - 1) * step;
  if (first < 2 * period + 1) throw new RangeError(`the series is too short for ${origins} origins`);
  const hw: Array<[number, number]> = [];
  const naive: Array<[number, number]> = [];
  let inside = 0;
  for (let k = 0; k < origins; k++) {
    const origin = first + k * step;
    const train = y.slice(0, origin);
    const actual = y.slice(origin, origin + horizon);
    const f = holtWinters(train, horizon, { period });
    const n = seasonalNaive(train, horizon, period);
    actual.forEach((a, h) => {
      hw.push([a, f.mean[h] as number]);
      naive.push([a, n[h] as number]);
      if (a >= (f.lower[h] as number) && a <= (f.upper[h] as number)) inside++;
    });
  }
  const hwErr = errors(hw);
  const naiveErr = errors(naive);
  return {
    holtWinters: hwErr,
    seasonalNaive: naiveErr,
    improvement: naiveErr.smape > 0 ? 1 - hwErr.smape / naiveErr.smape : 0,
    intervalCoverage: hw.length > 0 ? inside / hw.length : 0,
    points: hw.length,
  };
}

export function errors(pairs: ReadonlyArray<readonly [number, number]>): ErrorFigures {
  let ape = 0;
  let apeN = 0;
  let sape = 0;
  for (const [a, f] of pairs) {
    if (a !== 0) {
      ape += Math.abs(a - f) / Math.abs(a);
      apeN++;
    }
    const d = Math.abs(a) + Math.abs(f);
    sape += d === 0 ? 0 : (2 * Math.abs(a - f)) / d;
  }
  return { mape: apeN > 0 ? (100 * ape) / apeN : 0, smape: pairs.length > 0 ? (100 * sape) / pairs.length : 0 };
}
