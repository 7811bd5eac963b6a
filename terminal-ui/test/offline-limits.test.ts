import { describe, expect, it } from 'vitest';
import { offlineRefusal } from '../src/offline-limits.js';

describe('offline limits', () => {
  const limits = { maxSaleTotal: 50_000, tenders: ['cash' as const], maxHours: 24 };
  const now = Date.UTC(2026, 10, 25, 12);

  it('lets a sale within the value and the time through', () => {
    expect(offlineRefusal(50_000, limits, now - 24 * 3_600_000, now, 'EUR')).toBeUndefined();
  });

  it('refuses a sale over the value, or after too long without the server, and says why', () => {
    expect(offlineRefusal(50_001, limits, now, now, 'EUR')).toContain('may not exceed');
    expect(offlineRefusal(100, limits, now - 24 * 3_600_000 - 1, now, 'EUR')).toBe(
      'The server has not answered for over 24 hours: selling is stopped until it does',
    );
  });
});
