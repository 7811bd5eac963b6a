/** Luhn check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Whole runs of 13-19 digits, possibly grouped by spaces or dashes, as a card number is written. The
 * run must stand alone (no letter, digit or dash on either side), so the digit groups of a UUID or a
 * hex digest are not mistaken for one.
 */
const CARD_LIKE = /(?<![A-Za-z0-9-])[0-9](?:[ -]?[0-9]){12,18}(?![A-Za-z0-9-])/g;

/** Whether the text holds a card number pattern (13-19 digits, Luhn-valid). */
export function containsCardNumber(text: string): boolean {
  for (const m of text.matchAll(CARD_LIKE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
  }
  return false;
}

/** Fields that legitimately hold long digit strings or secrets that are never stored as sent. */
const EXEMPT_KEYS = new Set(['barcode', 'password', 'pin']);

/**
 * The JSON path of the first string in a request body that holds a card number, or undefined.
 * Keel never takes card numbers (PCI DSS scope stays with the payment terminal), so the API
 * refuses any body carrying one, whatever the field.
 */
export function findCardNumber(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return containsCardNumber(value) ? path || '/' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findCardNumber(value[i], `${path}/${i}`);
      if (hit) return hit;
    }
    return undefined;
  }
  // Parsed JSON only: plain objects. A streamed upload (a Readable) or a Buffer is not walked.
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [k, v] of Object.entries(value)) {
      if (EXEMPT_KEYS.has(k)) continue;
      const hit = findCardNumber(v, `${path}/${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}
