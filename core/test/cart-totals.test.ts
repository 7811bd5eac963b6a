import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CartInput,
  type CartLineInput,
  type CartTotals,
  cartTotals,
  type Discount,
  DiscountError,
  discountAmount,
  type LineTotals,
  money,
  type TaxRate,
  type TaxRounding,
  taxOn,
} from '../src/index.js';

const RUNS = { numRuns: 500 };

const RATES: readonly TaxRate[] = [
  { code: 'FR-20', basisPoints: 2000, inclusive: true },
  { code: 'FR-5.5', basisPoints: 550, inclusive: true },
  { code: 'ZERO', basisPoints: 0, inclusive: true },
  { code: 'NY-8.875', basisPoints: 888, inclusive: false },
  { code: 'US-7', basisPoints: 700, inclusive: false },
];

const discountArb: fc.Arbitrary<Discount> = fc.oneof(
  fc.record({
    kind: fc.constant('percent' as const),
    basisPoints: fc.oneof(fc.constantFrom(0, 500, 1000, 2500, 5000, 10_000), fc.integer({ min: 0, max: 10_000 })),
  }),
  fc.record({ kind: fc.constant('amount' as const), amount: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 50_000_000 })).map(money) }),
);

/** Pieces (whole thousands) or weighed goods (any milli-units); a few refund lines with negative quantities. */
const quantityArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => n * 1000) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: -1 }).map((n) => n * 1000) },
);

const lineArb = (rates: readonly TaxRate[], refunds: boolean): fc.Arbitrary<CartLineInput> =>
  fc.record({
    quantityMilli: refunds ? quantityArb : quantityArb.map((q) => Math.abs(q)),
    unitPrice: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 1_000_000 })).map(money),
    tax: fc.constantFrom(...rates),
    discount: fc.option(discountArb, { nil: undefined }),
  });

const cartArb = (opts: { refunds?: boolean; rounding?: TaxRounding; rates?: readonly TaxRate[] } = {}): fc.Arbitrary<CartInput> =>
  fc.record({
    lines: fc.array(lineArb(opts.rates ?? RATES, opts.refunds ?? true), { minLength: 0, maxLength: 12 }),
    orderDiscount: fc.option(discountArb, { nil: undefined }),
    taxRounding: opts.rounding ? fc.constant(opts.rounding) : fc.constantFrom<TaxRounding>('line', 'document'),
  });

const FIELDS = ['gross', 'discount', 'tax', 'net', 'total'] as const;
const base = (l: LineTotals) => l.gross - l.discount;

describe('cartTotals invariants (both rounding modes)', () => {
  it('every cart figure is the sum of its lines, and net + tax = total on every line', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        const t = cartTotals(cart);
        expect(t.lines).toHaveLength(cart.lines.length);
        for (const f of FIELDS) expect(t[f]).toBe(t.lines.reduce((s, l) => s + l[f], 0));
        expect(t.net + t.tax).toBe(t.total);
        for (const l of t.lines) {
          expect(l.net + l.tax).toBe(l.total);
          expect(l.lineDiscount + l.orderDiscountShare).toBe(l.discount);
          for (const f of FIELDS) expect(Number.isSafeInteger(l[f])).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('the total of a line is its discounted amount, with the tax added on top only for an exclusive rate', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        cartTotals(cart).lines.forEach((l, i) => {
          const rate = (cart.lines[i] as CartLineInput).tax;
          expect(l.total).toBe(rate.inclusive ? base(l) : base(l) + l.tax);
        });
      }),
      RUNS,
    );
  });

  it('discounts never push a line below zero (nor a refund line above zero)', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        for (const l of cartTotals(cart).lines) {
          if (l.gross >= 0) {
            expect(l.discount).toBeGreaterThanOrEqual(0);
            expect(l.discount).toBeLessThanOrEqual(l.gross);
            expect(l.total).toBeGreaterThanOrEqual(0);
            expect(l.net).toBeGreaterThanOrEqual(0);
          } else {
            expect(l.discount).toBeLessThanOrEqual(0);
            expect(l.discount).toBeGreaterThanOrEqual(l.gross);
            expect(l.total).toBeLessThanOrEqual(0);
          }
        }
      }),
      RUNS,
    );
  });

  it('the order discount never exceeds what is sold, and only lines that sell something share it', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        const t = cartTotals(cart);
        const sold = t.lines.reduce((s, l) => s + Math.max(l.gross - l.lineDiscount, 0), 0);
        const orderDiscount = t.lines.reduce((s, l) => s + l.orderDiscountShare, 0);
        expect(orderDiscount).toBe(discountAmount(money(sold), cart.orderDiscount));
        expect(orderDiscount).toBeLessThanOrEqual(sold);
        for (const l of t.lines) {
          expect(l.orderDiscountShare).toBeGreaterThanOrEqual(0);
          expect(l.orderDiscountShare).toBeLessThanOrEqual(Math.max(l.gross - l.lineDiscount, 0));
        }
      }),
      RUNS,
    );
  });

  it('without refund lines, the cart never goes below zero whatever the discounts', () => {
    fc.assert(
      fc.property(cartArb({ refunds: false }), (cart) => {
        const t = cartTotals(cart);
        expect(t.total).toBeGreaterThanOrEqual(0);
        expect(t.discount).toBeLessThanOrEqual(t.gross);
      }),
      RUNS,
    );
  });

  it('never returns -0 (it would print as "-€0.00")', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        const t = cartTotals(cart);
        for (const f of FIELDS) expect(Object.is(t[f], -0)).toBe(false);
        for (const l of t.lines) for (const v of Object.values(l)) expect(Object.is(v, -0)).toBe(false);
      }),
      RUNS,
    );
  });

  it('does not depend on line order beyond which line gets a leftover cent', () => {
    fc.assert(
      fc.property(cartArb(), (cart) => {
        const a = cartTotals(cart);
        const b = cartTotals({ ...cart, lines: [...cart.lines].reverse() });
        expect(b.gross).toBe(a.gross);
        expect(b.discount).toBe(a.discount);
        // The order discount's leftover cent may move to a line of another rate, which can move the
        // document-rounded tax by at most one cent per rate in the cart (found by this property).
        const rates = new Set(cart.lines.map((l) => `${l.tax.code}|${l.tax.basisPoints}|${l.tax.inclusive}`)).size;
        if (cart.taxRounding === 'document') expect(Math.abs(b.tax - a.tax)).toBeLessThanOrEqual(rates);
        if (cart.taxRounding === 'document' && !cart.orderDiscount) expect(b.tax).toBe(a.tax);
      }),
      RUNS,
    );
  });
});

describe("'line' rounding against a BigInt reference", () => {
  const dr = (n: bigint, d: bigint): bigint => {
    const a = n < 0n ? -n : n;
    const r = 2n * (a % d) >= d ? a / d + 1n : a / d;
    return n < 0n ? -r : r;
  };
  const disc = (b: bigint, d: Discount | undefined): bigint => {
    if (!d) return 0n;
    if (d.kind === 'percent') return dr(b * BigInt(d.basisPoints), 10_000n);
    const abs = b < 0n ? -b : b;
    const take = abs < BigInt(d.amount) ? abs : BigInt(d.amount);
    return b < 0n ? -take : take;
  };
  /** Hamilton's method: floors first, then one unit each to the largest remainders, earlier lines first on ties. */
  const hamilton = (total: bigint, weights: bigint[]): bigint[] => {
    const sum = weights.reduce((s, w) => s + w, 0n);
    if (sum === 0n) return weights.map((_, i) => (i === 0 ? total : 0n));
    const exact = weights.map((w, i) => ({ i, floor: (total * w) / sum, rem: (total * w) % sum }));
    let left = total - exact.reduce((s, e) => s + e.floor, 0n);
    const out = exact.map((e) => e.floor);
    for (const e of [...exact].sort((x, y) => (x.rem === y.rem ? x.i - y.i : x.rem > y.rem ? -1 : 1))) {
      if (left === 0n) break;
      out[e.i] = (out[e.i] as bigint) + 1n;
      left -= 1n;
    }
    return out;
  };
  const reference = (cart: CartInput) => {
    const gross = cart.lines.map((l) => dr(BigInt(l.unitPrice) * BigInt(l.quantityMilli), 1000n));
    const lineDisc = cart.lines.map((l, i) => disc(gross[i] as bigint, l.discount));
    const after = gross.map((g, i) => g - (lineDisc[i] as bigint));
    const positive = after.map((a) => (a > 0n ? a : 0n));
    const orderDisc = disc(
      positive.reduce((s, a) => s + a, 0n),
      cart.orderDiscount,
    );
    const shares = hamilton(orderDisc, positive);
    return cart.lines.map((l, i) => {
      const b = (after[i] as bigint) - (shares[i] as bigint);
      const bp = BigInt(l.tax.basisPoints);
      const tax = l.tax.inclusive ? dr(b * bp, 10_000n + bp) : dr(b * bp, 10_000n);
      const total = l.tax.inclusive ? b : b + tax;
      return { gross: gross[i], discount: (lineDisc[i] as bigint) + (shares[i] as bigint), tax, net: total - tax, total };
    });
  };

  it('every line and every cart figure matches the reference to the cent', () => {
    fc.assert(
      fc.property(cartArb({ rounding: 'line' }), (cart) => {
        const t = cartTotals(cart);
        const ref = reference(cart);
        t.lines.forEach((l, i) => {
          const r = ref[i] as Record<(typeof FIELDS)[number], bigint>;
          for (const f of FIELDS) expect(BigInt(l[f])).toBe(r[f]);
        });
        for (const f of FIELDS) expect(BigInt(t[f])).toBe(ref.reduce((s, r) => s + (r[f] as bigint), 0n));
      }),
      RUNS,
    );
  });
});

describe("'document' rounding", () => {
  const groups = (cart: CartInput, t: CartTotals) => {
    const byRate = new Map<TaxRate, LineTotals[]>();
    t.lines.forEach((l, i) => {
      const rate = (cart.lines[i] as CartLineInput).tax;
      byRate.set(rate, [...(byRate.get(rate) ?? []), l]);
    });
    return byRate;
  };

  it('per rate, the tax of the lines adds up to taxOn(sum of their amounts) exactly', () => {
    fc.assert(
      fc.property(cartArb({ rounding: 'document' }), (cart) => {
        const t = cartTotals(cart);
        for (const [rate, lines] of groups(cart, t)) {
          const sumBase = lines.reduce((s, l) => s + base(l), 0);
          expect(lines.reduce((s, l) => s + l.tax, 0)).toBe(taxOn(money(sumBase), rate));
        }
      }),
      RUNS,
    );
  });

  it('differs from line rounding by at most half a cent per line, per rate', () => {
    fc.assert(
      fc.property(cartArb({ rounding: 'document' }), (cart) => {
        const doc = cartTotals(cart);
        const line = cartTotals({ ...cart, taxRounding: 'line' });
        expect(line.gross).toBe(doc.gross);
        expect(line.discount).toBe(doc.discount);
        const docGroups = groups(cart, doc);
        for (const [rate, lines] of groups(cart, line)) {
          const lineTax = lines.reduce((s, l) => s + l.tax, 0);
          const docTax = (docGroups.get(rate) ?? []).reduce((s, l) => s + l.tax, 0);
          // Each line's rounding is off by at most 1/2, the document's by at most 1/2.
          expect(2 * Math.abs(lineTax - docTax)).toBeLessThanOrEqual(lines.length + 1);
        }
      }),
      RUNS,
    );
  });

  it('an inclusive line never carries more tax than its own amount', () => {
    fc.assert(
      fc.property(cartArb({ rounding: 'document', refunds: false }), (cart) => {
        cartTotals(cart).lines.forEach((l, i) => {
          if ((cart.lines[i] as CartLineInput).tax.inclusive) {
            expect(l.tax).toBeGreaterThanOrEqual(0);
            expect(l.tax).toBeLessThanOrEqual(l.total);
          }
        });
      }),
      RUNS,
    );
  });
});

describe('cartTotals examples', () => {
  const vat20 = RATES[0] as TaxRate;
  const us7 = RATES[4] as TaxRate;

  it('three 1.00 items at 20% VAT: line rounding 3 x 0.17, document rounding 0.50', () => {
    const lines = [1, 2, 3].map(() => ({ quantityMilli: 1000, unitPrice: money(100), tax: vat20 }));
    expect(cartTotals({ lines, taxRounding: 'line' })).toMatchObject({ total: 300, tax: 51, net: 249 });
    const doc = cartTotals({ lines, taxRounding: 'document' });
    expect(doc).toMatchObject({ total: 300, tax: 50, net: 250 });
    expect(doc.lines.map((l) => l.tax)).toEqual([17, 17, 16]);
  });

  it('weighed goods, a line discount and an order discount', () => {
    const t = cartTotals({
      lines: [
        { quantityMilli: 1234, unitPrice: money(399), tax: us7, discount: { kind: 'percent', basisPoints: 1000 } }, // 1.234 kg x 3.99
        { quantityMilli: 2000, unitPrice: money(250), tax: us7 },
      ],
      orderDiscount: { kind: 'amount', amount: money(100) },
      taxRounding: 'line',
    });
    // gross 492.366 -> 492, minus 10% (49.2 -> 49) = 443; 500. Order discount 100 split 443:500 -> 47 / 53.
    expect(t.lines.map((l) => [l.gross, l.lineDiscount, l.orderDiscountShare])).toEqual([
      [492, 49, 47],
      [500, 0, 53],
    ]);
    // tax 7% of 396 = 27.72 -> 28; of 447 = 31.29 -> 31.
    expect(t).toMatchObject({ gross: 992, discount: 149, net: 843, tax: 59, total: 902 });
  });

  it('an empty cart is all zeros', () => {
    expect(cartTotals({ lines: [], taxRounding: 'document' })).toEqual({ lines: [], gross: 0, discount: 0, tax: 0, net: 0, total: 0 });
  });

  it('refuses percentages outside 0..100% and negative amounts', () => {
    const line = { quantityMilli: 1000, unitPrice: money(100), tax: vat20 };
    expect(() => cartTotals({ lines: [{ ...line, discount: { kind: 'percent', basisPoints: 10_001 } }], taxRounding: 'line' })).toThrow(DiscountError);
    expect(() => cartTotals({ lines: [{ ...line, discount: { kind: 'percent', basisPoints: -1 } }], taxRounding: 'line' })).toThrow(DiscountError);
    expect(() => cartTotals({ lines: [line], orderDiscount: { kind: 'amount', amount: -1 as never }, taxRounding: 'line' })).toThrow(DiscountError);
  });
});
