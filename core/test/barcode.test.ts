import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBarcode, formatDecimalMoney, gs1CheckDigit, parseDecimalMoney, withCheckDigit } from '../src/index.js';

describe('GS1 barcodes', () => {
  it('accepts real EAN-13, EAN-8 and UPC-A codes and names their kind', () => {
    expect(checkBarcode('4006381333931')).toEqual({ ok: true, kind: 'ean13' });
    expect(checkBarcode('96385074')).toEqual({ ok: true, kind: 'ean8' });
    expect(checkBarcode('036000291452')).toEqual({ ok: true, kind: 'upca' });
    expect(checkBarcode('SHELF-0042')).toEqual({ ok: true, kind: 'internal' });
  });

  it('refuses a wrong check digit and says which digit was expected', () => {
    const r = checkBarcode('4006381333932');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('expected 1');
    expect(checkBarcode('12').ok).toBe(false);
    expect(checkBarcode('no spaces allowed').ok).toBe(false);
  });

  it('every code made with withCheckDigit passes, and changing any one digit fails', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12), fc.nat(), fc.nat(), (len, seed, pos) => {
        const body = String(seed).padStart(len, '3').slice(-len);
        const code = withCheckDigit(body);
        expect(checkBarcode(code).ok).toBe(true);
        const i = pos % code.length;
        const d = (code.charCodeAt(i) - 48 + 1 + (pos % 9)) % 10;
        const changed = code.slice(0, i) + d + code.slice(i + 1);
        expect(checkBarcode(changed).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(gs1CheckDigit('400638133393')).toBe(1);
  });
});

describe('decimal money', () => {
  it('reads prices as written in files, without floats', () => {
    expect(parseDecimalMoney('12.90')).toBe(1290);
    expect(parseDecimalMoney('12,9')).toBe(1290);
    expect(parseDecimalMoney('0.07')).toBe(7);
    expect(parseDecimalMoney('$3')).toBe(300);
    expect(parseDecimalMoney('1.005')).toBeUndefined();
    expect(parseDecimalMoney('-1.00')).toBeUndefined();
    expect(parseDecimalMoney('abc')).toBeUndefined();
    expect(parseDecimalMoney('')).toBeUndefined();
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (m) => {
        expect(parseDecimalMoney(formatDecimalMoney(m))).toBe(m);
      }),
    );
  });
});
