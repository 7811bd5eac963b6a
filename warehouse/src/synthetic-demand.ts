import { seededRandom } from '@keel/core';

export interface DemandShape {
  readonly days: number;
  /** Units per day at day 0. */
  readonly base: number;
  /** Relative growth per day (0.002 = +0.2% a day). */
  readonly trendPerDay: number;
  /** Multiplier of each weekday, index 0 = the first day of the series. */
  readonly weekly: readonly number[];
  /** Standard deviation of the multiplicative noise (0.15 = 15%). */
  readonly noise: number;
  /** Chance that a day is a promotion day, and its uplift (0.5 = +50%). */
  readonly promoChance?: number;
  readonly promoUplift?: number;
  readonly seed: number;
}

/** Daily demand with known trend, weekly seasonality, noise and occasional promotions; integer units. */
export function syntheticDemand(shape: DemandShape): number[] {
  const rnd = seededRandom(shape.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: number[] = [];
  for (let t = 0; t < shape.days; t++) {
    const season = shape.weekly[t % shape.weekly.length] ?? 1;
    const promo = rnd() < (shape.promoChance ?? 0) ? 1 + (shape.promoUplift ?? 0) : 1;
    const v = shape.base * (1 + shape.trendPerDay * t) * season * promo * Math.max(0.05, 1 + shape.noise * gauss());
    out.push(Math.max(0, Math.round(v)));
  }
  return out;
}
