import { allocate, divRound, extend, type Money, money, ZERO } from './money.js';
import { type TaxRate, type TaxRounding, taxOn } from './tax.js';

/** A discount: a percentage in basis points (1000 = 10%) or a fixed amount. */
export type Discount = { readonly kind: 'percent'; readonly basisPoints: number } | { readonly kind: 'amount'; readonly amount: Money };

export interface CartLineInput {
  /** Quantity in milli-units: 1000 = one piece or one kilogram. Negative on a refund line. */
  readonly quantityMilli: number;
  /** Price of one unit (piece or kg), tax included for an inclusive rate, excluded otherwise. */
  readonly unitPrice: Money;
  readonly tax: TaxRate;
  readonly discount?: Discount | undefined;
}

export interface CartInput {
  readonly lines: readonly CartLineInput[];
  readonly orderDiscount?: Discount | undefined;
  readonly taxRounding: TaxRounding;
}

export interface LineTotals {
  /** quantity x unit price, before discounts. */
  readonly gross: Money;
  /** The line's own discount plus its share of the order discount. */
  readonly discount: Money;
  readonly lineDiscount: Money;
  readonly orderDiscountShare: Money;
  /** What the line costs the customer, tax included. */
  readonly total: Money;
  /** The tax inside `total`. */
  readonly tax: Money;
  /** total - tax. */
  readonly net: Money;
}

export interface CartTotals {
  readonly lines: readonly LineTotals[];
  readonly gross: Money;
  readonly discount: Money;
  readonly tax: Money;
  readonly net: Money;
  /** Amount due from the customer. */
  readonly total: Money;
}

export class DiscountError extends RangeError {}

/** The amount a discount takes off `base`, never more than `base` and never negative. */
export function discountAmount(base: Money, discount: Discount | undefined): Money {
  if (!discount) return ZERO;
  if (discount.kind === 'percent') {
    if (!Number.isInteger(discount.basisPoints) || discount.basisPoints < 0 || discount.basisPoints > 10000) {
      throw new DiscountError('a percentage discount must be between 0 and 100%');
    }
    return money(divRound(base * discount.basisPoints, 10000));
  }
  if (!Number.isSafeInteger(discount.amount) || discount.amount < 0) throw new DiscountError('a discount amount must be a non-negative integer');
  const sign = base < 0 ? -1 : 1;
  return money(sign * Math.min(Math.abs(base), discount.amount));
}

/**
 * Totals of a cart, computed the same way on the till and on the server.
 * Order: line gross -> line discount -> order discount spread by amount after line discounts ->
 * tax per line or per document. Invariants (property-tested): total = sum of line totals,
 * net + tax = total on every line, no line goes below zero because of a discount.
 */
export function cartTotals(cart: CartInput): CartTotals {
  const gross = cart.lines.map((l) => extend(l.unitPrice, l.quantityMilli));
  const lineDiscount = cart.lines.map((l, i) => discountAmount(gross[i] as Money, l.discount));
  const afterLine = gross.map((g, i) => money(g - (lineDiscount[i] as Money)));
  const positiveBase = afterLine.reduce((s, a) => s + Math.max(a, 0), 0);
  const orderDiscountTotal = discountAmount(money(positiveBase), cart.orderDiscount);
  const shares = allocate(
    orderDiscountTotal,
    afterLine.map((a) => Math.max(a, 0)),
  );
  const base = afterLine.map((a, i) => money(a - (shares[i] as Money)));
  const tax = cart.taxRounding === 'line' ? base.map((b, i) => taxOn(b, (cart.lines[i] as CartLineInput).tax)) : documentTax(cart.lines, base);
  const lines: LineTotals[] = cart.lines.map((l, i) => {
    const b = base[i] as Money;
    const t = tax[i] as Money;
    const total = l.tax.inclusive ? b : money(b + t);
    return {
      gross: gross[i] as Money,
      lineDiscount: lineDiscount[i] as Money,
      orderDiscountShare: shares[i] as Money,
      discount: money((lineDiscount[i] as Money) + (shares[i] as Money)),
      total,
      tax: t,
      net: money(total - t),
    };
  });
  const sum = (pick: (l: LineTotals) => Money) => money(lines.reduce((s, l) => s + pick(l), 0));
  return { lines, gross: sum((l) => l.gross), discount: sum((l) => l.discount), tax: sum((l) => l.tax), net: sum((l) => l.net), total: sum((l) => l.total) };
}

function documentTax(lines: readonly CartLineInput[], base: readonly Money[]): Money[] {
  const out: Money[] = lines.map(() => ZERO);
  const groups = new Map<string, number[]>();
  lines.forEach((l, i) => {
    const key = `${l.tax.code}|${l.tax.basisPoints}|${l.tax.inclusive}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  for (const idx of groups.values()) {
    const rate = (lines[idx[0] as number] as CartLineInput).tax;
    const sumBase = money(idx.reduce((s, i) => s + (base[i] as Money), 0));
    const docTax = taxOn(sumBase, rate);
    // Spread by each line's share of the base; lines of opposite sign (refunds) keep their own sign.
    const sign = sumBase < 0 ? -1 : 1;
    const parts = allocate(
      docTax,
      idx.map((i) => Math.max(sign * (base[i] as Money), 0)),
    );
    idx.forEach((i, k) => {
      out[i] = parts[k] as Money;
    });
  }
  return out;
}
