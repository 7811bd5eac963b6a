/**
 * Parse a price as people write it in files ("12.90", "12,90", "1290", "$12.90") to integer minor
 * units without going through a float. Returns undefined for anything else (negative included).
 */
export function parseDecimalMoney(text: string, fractionDigits = 2): number | undefined {
  const t = text.trim().replace(/^[$€£]\s*/, '');
  const m = /^(\d{1,13})(?:[.,](\d*))?$/.exec(t);
  if (!m) return undefined;
  const whole = m[1] as string;
  const frac = m[2] ?? '';
  if (frac.length > fractionDigits && /[^0]/.test(frac.slice(fractionDigits))) return undefined;
  const minor = Number(whole) * 10 ** fractionDigits + Number(frac.slice(0, fractionDigits).padEnd(fractionDigits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** Minor units back to the decimal text parseDecimalMoney reads. */
export function formatDecimalMoney(minor: number, fractionDigits = 2): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (fractionDigits === 0) return `${sign}${abs}`;
  const f = 10 ** fractionDigits;
  return `${sign}${Math.floor(abs / f)}.${String(abs % f).padStart(fractionDigits, '0')}`;
}
