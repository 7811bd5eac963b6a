/**
 * Money in integer minor units (cents, pence...). Never a float.
 * The brand stops a plain number (a quantity, a rate) from being used as an amount by mistake.
 */
export type Money = number & { readonly __money: unique symbol };

export class MoneyError extends Error {}

/** Make a Money from an integer number of minor units; throws on fractions, NaN and unsafe integers. */
export function money(minor: number): Money {
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`not an integer amount of minor units: ${minor}`);
  // -0 (e.g. a refund line's zero share) would print as "-€0.00": normalise it to 0.
  return (minor === 0 ? 0 : minor) as Money;
}

export const ZERO: Money = 0 as Money;

export function addMoney(...amounts: readonly Money[]): Money {
  let sum = 0;
  for (const a of amounts) sum += a;
  return money(sum);
}

export function subMoney(a: Money, b: Money): Money {
  return money(a - b);
}

/**
 * Integer division rounded half away from zero: the rounding used for every amount in Keel
 * (tax, percentage discounts, weighed prices). Exact for |numerator| < 2^53.
 */
export function divRound(numerator: number, denominator: number): number {
  if (denominator <= 0 || !Number.isSafeInteger(denominator)) throw new MoneyError('denominator must be a positive integer');
  if (!Number.isSafeInteger(numerator)) throw new MoneyError(`numerator out of safe range: ${numerator}`);
  const sign = numerator < 0 ? -1 : 1;
  const n = Math.abs(numerator);
  const q = Math.floor(n / denominator);
  const r = n - q * denominator;
  const rounded = r * 2 >= denominator ? q + 1 : q;
  return rounded === 0 ? 0 : sign * rounded;
}

/** Price of a quantity in milli-units (1000 = one piece or one kg), rounded half away from zero. */
export function extend(unitPrice: Money, quantityMilli: number): Money {
  return money(divRound(unitPrice * quantityMilli, 1000));
}

/**
 * Split `total` over `weights` so the parts add up to `total` exactly (largest remainder).
 * Used to spread an order discount or a document-rounded tax over lines. Weights must be >= 0.
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  const sumW = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0) return [];
  if (sumW === 0) return weights.map((_, i) => (i === 0 ? total : ZERO));
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  const parts = weights.map((w) => {
    const exact = (BigInt(abs) * BigInt(w)) / BigInt(sumW);
    const rem = (BigInt(abs) * BigInt(w)) % BigInt(sumW);
    return { floor: Number(exact), rem };
  });
  let left = abs - parts.reduce((s, p) => s + p.floor, 0);
  const order = parts
    .map((_, i) => i)
    .sort((a, b) => {
      const d = (parts[b] as { rem: bigint }).rem - (parts[a] as { rem: bigint }).rem;
      return d > 0n ? 1 : d < 0n ? -1 : a - b;
    });
  const out = parts.map((p) => p.floor);
  for (const i of order) {
    if (left <= 0) break;
    out[i] = (out[i] as number) + 1;
    left--;
  }
  return out.map((v) => money(sign * v));
}

/** Format for people: 123456 EUR -> "€1,234.56" (the locale decides separators). */
export function formatMoney(amount: number, currency = 'EUR', locale?: string): string {
  const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(amount / 10 ** digits);
}
