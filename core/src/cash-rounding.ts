import { divRound } from './money.js';

/**
 * Cash rounding: where the smallest coins are not used, a cash amount is rounded to `increment`
 * minor units (5 = to 0.05), half away from zero. 1 means no rounding.
 */
export function roundCash(amount: number, increment: number): number {
  if (!Number.isInteger(increment) || increment < 1) throw new RangeError('cash rounding increment must be a positive integer');
  return increment === 1 ? amount : divRound(amount, increment) * increment;
}
