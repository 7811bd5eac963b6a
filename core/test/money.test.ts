import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, divRound, extend, formatMoney, MoneyError, money } from '../src/index.js';

const RUNS = { numRuns: 500 };

/** Reference: round n/d half away from zero, exactly, in BigInt. */
function divRoundRef(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = a / d;
  const r = a % d;
  const rounded = 2n * r >= d ? q + 1n : q;
  return neg ? -rounded : rounded;
}

const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const denominator = fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));

describe('divRound', () => {
  it('rounds half away from zero, exactly like a BigInt reference, over the whole safe range', () => {
    fc.assert(
      fc.property(safeInt, denominator, (n, d) => {
        expect(divRound(n, d)).toBe(Number(divRoundRef(BigInt(n), BigInt(d))));
      }),
      RUNS,
    );
  });

  it('is exact next to integer quotients, where a float division would round the wrong way', () => {
    // Numerators k*d + r with r in {-1, 0, 1, d/2 - 1, d/2, d/2 + 1}: the cases float division gets wrong first.
    const nearTies = fc
      .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: -1, max: 1 }), fc.boolean(), fc.boolean())
      .chain(([d, off, half, neg]) => {
        const maxK = Math.floor((Number.MAX_SAFE_INTEGER - d) / d);
        return fc.integer({ min: 0, max: maxK }).map((k) => {
          const n = k * d + (half ? Math.floor(d / 2) : 0) + off;
          return { n: neg ? -n : n, d };
        });
      })
      .filter(({ n }) => Number.isSafeInteger(n));
    fc.assert(
      fc.property(nearTies, ({ n, d }) => {
        expect(divRound(n, d)).toBe(Number(divRoundRef(BigInt(n), BigInt(d))));
      }),
      RUNS,
    );
  });

  it('is odd-symmetric and never returns -0', () => {
    fc.assert(
      fc.property(safeInt, denominator, (n, d) => {
        expect(divRound(-n, d)).toBe(-divRound(n, d) || 0);
        expect(Object.is(divRound(n, d), -0)).toBe(false);
      }),
      RUNS,
    );
  });

  it('examples: ties go away from zero', () => {
    expect(divRound(5, 10)).toBe(1);
    expect(divRound(-5, 10)).toBe(-1);
    expect(divRound(15, 10)).toBe(2);
    expect(divRound(-15, 10)).toBe(-2);
    expect(divRound(14, 10)).toBe(1);
    expect(divRound(-14, 10)).toBe(-1);
    expect(divRound(0, 7)).toBe(0);
  });

  it('refuses bad denominators and unsafe numerators', () => {
    expect(() => divRound(1, 0)).toThrow(MoneyError);
    expect(() => divRound(1, -3)).toThrow(MoneyError);
    expect(() => divRound(1, 1.5)).toThrow(MoneyError);
    expect(() => divRound(2 ** 53, 3)).toThrow(MoneyError);
    expect(() => divRound(0.5, 3)).toThrow(MoneyError);
  });
});

describe('money', () => {
  it('turns -0 into 0, so a zero amount never prints as "-€0.00"', () => {
    expect(Object.is(money(-0), 0)).toBe(true);
    expect(formatMoney(money(-0), 'EUR', 'en-IE')).toBe('€0.00');
  });

  it('accepts safe integers only', () => {
    expect(money(-12)).toBe(-12);
    expect(() => money(1.5)).toThrow(MoneyError);
    expect(() => money(Number.NaN)).toThrow(MoneyError);
    expect(() => money(2 ** 53)).toThrow(MoneyError);
  });
});

describe('extend', () => {
  it('prices a milli-unit quantity like the BigInt reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 }), (price, qty) => {
        expect(extend(money(price), qty)).toBe(Number(divRoundRef(BigInt(price) * BigInt(qty), 1000n)));
      }),
      RUNS,
    );
  });

  it('whole pieces cost exactly n times the unit price', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: -1000, max: 1000 }), (price, n) => {
        expect(extend(money(price), n * 1000)).toBe(price * n + 0); // + 0: -0 -> 0
      }),
      RUNS,
    );
  });
});

describe('allocate', () => {
  const total = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
  const weights = fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1_000_000_000 })), { minLength: 1, maxLength: 30 });

  it('parts always add up to the total exactly', () => {
    fc.assert(
      fc.property(total, weights, (t, w) => {
        const parts = allocate(money(t), w);
        expect(parts).toHaveLength(w.length);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(t);
        for (const p of parts) expect(Number.isSafeInteger(p)).toBe(true);
      }),
      RUNS,
    );
  });

  it('each part differs from its exact proportional share by less than one minor unit', () => {
    fc.assert(
      fc.property(
        total,
        weights.filter((w) => w.some((x) => x > 0)),
        (t, w) => {
          const parts = allocate(money(t), w);
          const sumW = BigInt(w.reduce((s, x) => s + x, 0));
          parts.forEach((p, i) => {
            // |p - t*w/sumW| < 1  <=>  |p*sumW - t*w| < sumW
            const diff = BigInt(p) * sumW - BigInt(t) * BigInt(w[i] as number);
            expect(diff < 0n ? -diff : diff).toBeLessThan(sumW);
          });
        },
      ),
      RUNS,
    );
  });

  it('parts carry the sign of the total, and a zero weight gets nothing', () => {
    fc.assert(
      fc.property(
        total,
        weights.filter((w) => w.some((x) => x > 0)),
        (t, w) => {
          const parts = allocate(money(t), w);
          parts.forEach((p, i) => {
            expect(Math.sign(p) === Math.sign(t) || Object.is(p, 0)).toBe(true);
            if (w[i] === 0) expect(p).toBe(0);
          });
        },
      ),
      RUNS,
    );
  });

  it('edge cases: no weights, all-zero weights, ties go to the first line', () => {
    expect(allocate(money(100), [])).toEqual([]);
    expect(allocate(money(100), [0, 0, 0])).toEqual([100, 0, 0]);
    expect(allocate(money(100), [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(money(-100), [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(money(2), [1, 1, 1])).toEqual([1, 1, 0]);
    // Regression: a negative total used to give -0 shares, shown as "-€0.00".
    expect(Object.is(allocate(money(-1), [0, 1])[0], 0)).toBe(true);
  });
});
