import { divRound, type Money, money } from './money.js';

/**
 * A tax rate in basis points (2000 = 20%). Inclusive: the shelf price already contains the tax
 * (EU VAT style); exclusive: tax is added on top (US sales tax style).
 */
export interface TaxRate {
  readonly code: string;
  readonly basisPoints: number;
  readonly inclusive: boolean;
}

/**
 * How tax is rounded:
 * - 'line': each line's tax is rounded on its own; the document tax is their sum.
 * - 'document': per rate, the tax of the summed line amounts is rounded once, then spread back
 *   over the lines (largest remainder) so the lines still add up to the document exactly.
 */
export type TaxRounding = 'line' | 'document';

/**
 * Tax contained in (inclusive) or owed on top of (exclusive) `amount`, rounded half away from zero.
 * Inclusive: amount * bp / (10000 + bp). Exclusive: amount * bp / 10000.
 */
export function taxOn(amount: Money, rate: TaxRate): Money {
  if (!Number.isInteger(rate.basisPoints) || rate.basisPoints < 0) throw new RangeError('tax rate must be a non-negative integer number of basis points');
  return rate.inclusive ? money(divRound(amount * rate.basisPoints, 10000 + rate.basisPoints)) : money(divRound(amount * rate.basisPoints, 10000));
}

/** The price a customer pays for a net amount under an exclusive rate, and the inverse split for inclusive ones. */
export function grossFromNet(net: Money, rate: TaxRate): Money {
  return rate.inclusive ? net : money(net + taxOn(net, rate));
}
