/**
 * Holt-Winters exponential smoothing with a damped additive trend and additive or multiplicative
 * seasonality (ETS(A,Ad,A) / ETS(A,Ad,M) point forecasts), fitted by grid search on the one-step
 * squared error. Pure: no I/O, no clock, no randomness.
 */
export type Seasonality = 'additive' | 'multiplicative';

export interface HoltWintersParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
  readonly seasonality: Seasonality;
}

export interface HoltWintersForecast {
  readonly mean: number[];
  /** Lower and upper bounds of the ~95% prediction interval, never below 0 when `nonNegative`. */
  readonly lower: number[];
  readonly upper: number[];
  readonly params: HoltWintersParams;
  /** Standard deviation of the one-step errors in the fitted period. */
  readonly sigma: number;
}

export interface ForecastOptions {
  /** Season length (7 = weekly seasonality on daily data). */
  readonly period?: number;
  /** Demand cannot be negative: clip forecasts and bounds at 0 (default true). */
  readonly nonNegative?: boolean;
  /** z of the interval (default 1.96, ~95%). */
  readonly z?: number;
}

interface Fit {
  sse: number;
  score: number;
  level: number;
  trend: number;
  season: number[];
  n: number;
}

function run(y: readonly number[], m: number, p: HoltWintersParams, lead: number): Fit {
  const mult = p.seasonality === 'multiplicative';
  // Start from a classical decomposition of the first seasons (up to four): level and trend from
  // the season means, each weekday's index averaged over those seasons, less noisy than one season.
  const k = Math.max(2, Math.min(4, Math.floor(y.length / m) - 1));
  const means = Array.from({ length: k }, (_, j) => y.slice(j * m, (j + 1) * m).reduce((s, v) => s + v, 0) / m);
  const trend0 = ((means[k - 1] as number) - (means[0] as number)) / ((k - 1) * m);
  const season = new Array<number>(m).fill(0);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < m; i++) {
      const centre = (means[j] as number) + (i - (m - 1) / 2) * trend0;
      const v = y[j * m + i] as number;
      season[i] = (season[i] as number) + (mult ? (centre > 0 ? v / centre : 1) : v - centre) / k;
    }
  }
  let level = (means[0] as number) + ((m - 1) / 2) * trend0;
  let trend = trend0;
  let sse = 0;
  let score = 0;
  let n = 0;
  // Running scale of the one-step errors: an error beyond 3 of them (a promotion, a stock-out)
  // moves the state only as far as 3 would, so one odd day does not bend the forecast.
  let scale2 = 0;
  for (let t = m; t < y.length; t++) {
    // Score the fit on forecasts 1..`lead` steps ahead, as it will be used, not on one step only.
    const ahead = Math.min(lead, y.length - t);
    let damp = 0;
    for (let h = 1; h <= ahead; h++) {
      damp += p.phi ** h;
      const sh = season[(t + h - 1) % m] as number;
      const b = level + damp * trend;
      const e = (y[t + h - 1] as number) - (mult ? b * sh : b + sh);
      score += e * e;
    }
    const s = season[t % m] as number;
    const base = level + p.phi * trend;
    const pred = mult ? base * s : base + s;
    const raw = (y[t] as number) - pred;
    sse += raw * raw;
    n++;
    const limit = 3 * Math.sqrt(scale2);
    const err = n > 2 * m && Math.abs(raw) > limit ? Math.sign(raw) * limit : raw;
    scale2 = n === 1 ? raw * raw : 0.9 * scale2 + 0.1 * err * err;
    const yt = pred + err;
    const prevLevel = level;
    level = mult ? p.alpha * (s !== 0 ? yt / s : yt) + (1 - p.alpha) * base : p.alpha * (yt - s) + (1 - p.alpha) * base;
    trend = p.beta * (level - prevLevel) + (1 - p.beta) * p.phi * trend;
    season[t % m] = mult ? (level !== 0 ? p.gamma * (yt / level) + (1 - p.gamma) * s : s) : p.gamma * (yt - level) + (1 - p.gamma) * s;
  }
  return { sse, score, level, trend, season, n };
}

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5];
const BETAS = [0.005, 0.02, 0.05, 0.15];
const GAMMAS = [0.01, 0.05, 0.1, 0.2, 0.35];
const PHIS = [0.9, 0.98, 1];

/** Fit on `y` (at least two full seasons) and forecast `horizon` steps ahead with intervals. */
export function holtWinters(y: readonly number[], horizon: number, options: ForecastOptions = {}): HoltWintersForecast {
  const m = options.period ?? 7;
  const z = options.z ?? 1.96;
  const nonNegative = options.nonNegative ?? true;
  if (!Number.isInteger(m) || m < 2) throw new RangeError('period must be an integer >= 2');
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError('horizon must be a positive integer');
  if (y.length < 2 * m + 1) return seasonalNaiveForecast(y, horizon, m, z, nonNegative);
  const allPositive = y.every((v) => v > 0);
  let best: { fit: Fit; params: HoltWintersParams } | undefined;
  for (const seasonality of allPositive ? (['additive', 'multiplicative'] as const) : (['additive'] as const)) {
    for (const alpha of ALPHAS)
      for (const beta of BETAS)
        for (const gamma of GAMMAS)
          for (const phi of PHIS) {
            const params = { alpha, beta, gamma, phi, seasonality };
            const fit = run(y, m, params, Math.min(horizon, m));
            if (Number.isFinite(fit.score) && (!best || fit.score < best.fit.score)) best = { fit, params };
          }
  }
  if (!best) return seasonalNaiveForecast(y, horizon, m, z, nonNegative);
  const { fit, params } = best;
  const sigma = Math.sqrt(fit.sse / Math.max(1, fit.n));
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  let damp = 0;
  let varSum = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += params.phi ** h;
    const s = fit.season[(y.length + h - 1) % m] as number;
    const base = fit.level + damp * fit.trend;
    const point = params.seasonality === 'multiplicative' ? base * s : base + s;
    // Variance of the h-step error of ETS(A,Ad,A): sigma^2 (1 + sum_{j<h} c_j^2); used as an
    // approximation for the multiplicative-season model too.
    const width = z * sigma * Math.sqrt(1 + varSum);
    let dampJ = 0;
    for (let i = 1; i <= h; i++) dampJ += params.phi ** i;
    const c = params.alpha * (1 + params.beta * dampJ) + (h % m === 0 ? params.gamma : 0);
    varSum += c * c;
    mean.push(clip(point, nonNegative));
    lower.push(clip(point - width, nonNegative));
    upper.push(clip(point + width, nonNegative));
  }
  return { mean, lower, upper, params, sigma };
}

/** The seasonal-naive forecast: each day repeats the same weekday of the last observed season. */
export function seasonalNaive(y: readonly number[], horizon: number, period = 7): number[] {
  const out: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const back = period * Math.ceil(h / period);
    out.push((y[y.length + h - 1 - back] ?? y[y.length - 1] ?? 0) as number);
  }
  return out;
}

function seasonalNaiveForecast(y: readonly number[], horizon: number, m: number, z: number, nonNegative: boolean): HoltWintersForecast {
  const mean = seasonalNaive(y, horizon, m);
  const diffs = y.slice(m).map((v, i) => v - (y[i] as number));
  const sigma = diffs.length > 0 ? Math.sqrt(diffs.reduce((s, d) => s + d * d, 0) / diffs.length) : 0;
  return {
    mean: mean.map((v) => clip(v, nonNegative)),
    lower: mean.map((v, i) => clip(v - z * sigma * Math.sqrt(Math.ceil((i + 1) / m)), nonNegative)),
    upper: mean.map((v, i) => clip(v + z * sigma * Math.sqrt(Math.ceil((i + 1) / m)), nonNegative)),
    params: { alpha: 0, beta: 0, gamma: 1, phi: 1, seasonality: 'additive' },
    sigma,
  };
}

const clip = (v: number, nonNegative: boolean) => (nonNegative && v < 0 ? 0 : v);
