import { describe, expect, it } from 'vitest';
import { checkDigit, parseScan, weighedBarcode } from '../src/barcode.js';

describe('scanned codes', () => {
  it('reads an ordinary EAN-13 and refuses a damaged one', () => {
    expect(checkDigit('400638133393')).toBe(1);
    expect(parseScan('4006381333931')).toEqual({ kind: 'code', code: '4006381333931' });
    expect(parseScan('4006381333932')).toEqual({ kind: 'damaged', code: '4006381333932' });
  });

  it('reads the weight or the price out of an in-store code starting with 2', () => {
    const weight = weighedBarcode('2100042', 1234);
    expect(parseScan(weight)).toEqual({ kind: 'weight', lookup: '2100042', grams: 1234 });
    const price = weighedBarcode('2500007', 799);
    expect(parseScan(price)).toEqual({ kind: 'price', lookup: '2500007', price: 799 });
  });

  it('passes SKUs and other text through', () => {
    expect(parseScan(' SKU-1 ')).toEqual({ kind: 'code', code: 'SKU-1' });
    expect(parseScan('123456')).toEqual({ kind: 'code', code: '123456' });
  });
});
