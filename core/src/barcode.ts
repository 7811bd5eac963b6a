/**
 * Barcodes: GS1 codes (EAN-8, UPC-A, EAN-13, GTIN-14) carry a check digit that must be right;
 * anything else a store prints itself (other lengths, letters) is an internal code.
 */
export type BarcodeKind = 'ean8' | 'upca' | 'ean13' | 'gtin14' | 'internal';

const GS1_KINDS: Readonly<Record<number, BarcodeKind>> = { 8: 'ean8', 12: 'upca', 13: 'ean13', 14: 'gtin14' };
const INTERNAL = /^[0-9A-Za-z-]{4,32}$/;

/** The GS1 check digit for the digits before it (weights 3,1,3,... from the right). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += (body.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

/** A GS1 code (8, 12, 13 or 14 digits) with its check digit appended. */
export function withCheckDigit(body: string): string {
  return body + gs1CheckDigit(body);
}

export type BarcodeCheck = { ok: true; kind: BarcodeKind } | { ok: false; reason: string };

/** Validate a barcode as scanned or typed; GS1 lengths must have the right check digit. */
export function checkBarcode(code: string): BarcodeCheck {
  if (/^[0-9]+$/.test(code)) {
    const kind = GS1_KINDS[code.length];
    if (kind) {
      const expected = gs1CheckDigit(code.slice(0, -1));
      if (expected !== code.charCodeAt(code.length - 1) - 48) return { ok: false, reason: `bad check digit in ${code} (expected ${expected})` };
      return { ok: true, kind };
    }
  }
  if (!INTERNAL.test(code)) return { ok: false, reason: `"${code}" is not a barcode (4 to 32 letters, digits or -)` };
  return { ok: true, kind: 'internal' };
}
