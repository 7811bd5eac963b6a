import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grossFromNet, money, type TaxRate, taxOn } from '../src/index.js';

const RUNS = { numRuns: 500 };

function divRoundRef(n: bigint, d: bigint): bigint {
  const a = n < 0n ? -n : n;
  const q = a / d;
  const rounded = 2n * (a % d) >= d ? q + 1n : q;
  return n < 0n ? -rounded : rounded;
}

const rate = (basisPoints: number, inclusive: boolean): TaxRate => ({ code: `r${basisPoints}`, basisPoints, inclusive });
/** Real-world rates (0%, 5.5%, 7%, 20%, 21%...) and anything up to 100%, plus odd ones above. */
const basisPoints = fc.oneof(
  fc.constantFrom(0, 250, 550, 700, 800, 1000, 1900, 2000, 2100, 2500, 2700),
  fc.integer({ min: 0, max: 10_000 }),
  fc.integer({ min: 0, max: 50_000 }),
);
/** Up to ±10 million in major units: far beyond any sale, well inside the safe range once multiplied by a rate. */
const amount = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });

describe('taxOn', () => {
  it('matches a BigInt reference for inclusive and exclusive rates', () => {
    fc.assert(
      fc.property(amount, basisPoints, fc.boolean(), (a, bp, inclusive) => {
        const expected = inclusive ? divRoundRef(BigInt(a) * BigInt(bp), BigInt(10_000 + bp)) : divRoundRef(BigInt(a) * BigInt(bp), 10_000n);
        expect(taxOn(money(a), rate(bp, inclusive))).toBe(Number(expected));
      }),
      RUNS,
    );
  });

  it('inclusive tax never exceeds the amount it is contained in', () => {
    fc.assert(
      fc.property(amount, basisPoints, (a, bp) => {
        expect(Math.abs(taxOn(money(a), rate(bp, true)))).toBeLessThanOrEqual(Math.abs(a));
      }),
      RUNS,
    );
  });

  it('known values', () => {
    expect(taxOn(money(1000), rate(2000, false))).toBe(200);
    expect(taxOn(money(1200), rate(2000, true))).toBe(200);
    expect(taxOn(money(999), rate(550, true))).toBe(52); // 999 * 550 / 10550 = 52.08
    expect(taxOn(money(-1200), rate(2000, true))).toBe(-200);
    expect(taxOn(money(25), rate(2000, false))).toBe(5);
    expect(taxOn(money(3), rate(2000, true))).toBe(1); // 0.5 rounds away from zero
  });

  it('refuses negative and fractional rates', () => {
    expect(() => taxOn(money(100), rate(-1, false))).toThrow(RangeError);
    expect(() => taxOn(money(100), rate(12.5, true))).toThrow(RangeError);
  });
});

describe('inclusive / exclusive round trip', () => {
  /*
   * Exclusive -> inclusive is exact. Let ρ = r / (10000 + r), x = n·r/10000 (exact), t = round(x) = x + δ with
   * |δ| ≤ 1/2, and g = n + t. Then n + x = n·(10000 + r)/10000, so g·ρ = (n + x + δ)·ρ = x + δρ = t − δ(1 − ρ).
   * For r > 0, |δ(1 − ρ)| ≤ (1 − ρ)/2 < 1/2, so g·ρ is strictly closer than 1/2 to the integer t and rounds to
   * it whatever the tie rule; for r = 0 both taxes are 0. Hence: the tax inside the gross price equals the tax
   * added on top of the net, exactly, for every net amount and every rate.
   */
  it('an exclusive net n with rate r gives gross g = n + tax(n), and the inclusive tax of g is exactly tax(n)', () => {
    fc.assert(
      fc.property(amount, basisPoints, (n, bp) => {
        const t = taxOn(money(n), rate(bp, false));
        const g = grossFromNet(money(n), rate(bp, false));
        expect(g).toBe(n + t);
        expect(taxOn(g, rate(bp, true))).toBe(t);
        expect(g - taxOn(g, rate(bp, true))).toBe(n);
      }),
      RUNS,
    );
  });

  /*
   * Inclusive -> exclusive is only close. With t = round(g·ρ) = g·ρ − ε (|ε| ≤ 1/2) and n = g − t, the exclusive
   * tax of n is exactly n·r/10000 = t + ε·(1 + r/10000). For r ≤ 10000 (rates up to 100%) that is within 1 of t,
   * so the rounded value is t − 1, t or t + 1, and it can differ: 3 cents at 20% contain 1 cent of tax (0.5 rounds
   * up), but 2 cents net carry 0 cents of tax.
   */
  it('the net of an inclusive price, taxed as exclusive, is within 1 minor unit of the inclusive tax (rates <= 100%)', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 10_000 }), (g, bp) => {
        const t = taxOn(money(g), rate(bp, true));
        const back = taxOn(money(g - t), rate(bp, false));
        expect(Math.abs(back - t)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
    expect(taxOn(money(3), rate(2000, true))).toBe(1);
    expect(taxOn(money(2), rate(2000, false))).toBe(0);
  });

  it('grossFromNet leaves an inclusive price as it is', () => {
    fc.assert(
      fc.property(amount, basisPoints, (a, bp) => {
        expect(grossFromNet(money(a), rate(bp, true))).toBe(a);
      }),
      RUNS,
    );
  });
});
