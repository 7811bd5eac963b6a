/**
 * What a scanned code means. EAN-13 codes starting with 2 are in-store codes for weighed goods:
 * `2 F PPPPP VVVVV C` — F 0-4: V is the weight in grams, F 5-9: V is the price in minor units;
 * the product is found by its first 7 digits (`2FPPPPP`, stored as the product's barcode).
 */
export type Scan =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'weight'; readonly lookup: string; readonly grams: number }
  | { readonly kind: 'price'; readonly lookup: string; readonly price: number }
  | { readonly kind: 'damaged'; readonly code: string };

/** GTIN check digit of the digits before it (EAN-8, UPC-A, EAN-13, GTIN-14). */
export function checkDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

export function parseScan(raw: string): Scan {
  const code = raw.trim();
  if (!/^\d+$/.test(code)) return { kind: 'code', code };
  const gtin = code.length === 8 || code.length === 12 || code.length === 13 || code.length === 14;
  if (gtin && checkDigit(code.slice(0, -1)) !== Number(code.at(-1))) return { kind: 'damaged', code };
  if (code.length === 13 && code[0] === '2') {
    const flag = Number(code[1]);
    const lookup = code.slice(0, 7);
    const value = Number(code.slice(7, 12));
    return flag <= 4 ? { kind: 'weight', lookup, grams: value } : { kind: 'price', lookup, price: value };
  }
  return { kind: 'code', code };
}

/** Build an in-store EAN-13 for a weighed item (tests, label printers). */
export function weighedBarcode(lookup: string, value: number): string {
  const body = `${lookup}${String(value).padStart(5, '0')}`;
  return `${body}${checkDigit(body)}`;
}
