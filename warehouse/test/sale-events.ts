import { type SaleCompletedV1, type SaleLineFact, seededRandom, uuidv7 } from '@keel/core';

export interface GenerateOptions {
  seed: number;
  stores: readonly number[];
  days: readonly string[];
  salesPerStoreDay: number;
}

/** Sales with 1-5 consistent lines each (net = gross - discount, total = net + tax), integer minor units. */
export function generateSales(opts: GenerateOptions): SaleCompletedV1[] {
  const rnd = seededRandom(opts.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const bytes = () => Uint8Array.from({ length: 10 }, () => int(0, 255));
  const sales: SaleCompletedV1[] = [];
  for (const storeId of opts.stores) {
    for (const day of opts.days) {
      for (let i = 0; i < opts.salesPerStoreDay; i++) {
        const hour = int(7, 21);
        const at = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00.000Z`) + int(0, 3_599_999);
        const lines: SaleLineFact[] = Array.from({ length: int(1, 5) }, (_, n) => {
          const quantityMilli = rnd() < 0.2 ? int(100, 2_500) : int(1, 4) * 1000;
          const unitPrice = int(49, 9_999);
          const gross = Math.round((unitPrice * quantityMilli) / 1000);
          const discount = rnd() < 0.15 ? Math.floor(gross / 10) : 0;
          const net = gross - discount;
          const tax = Math.round(net * 0.2);
          return {
            lineNo: n + 1,
            productId: int(1, 1_000_000),
            sku: `SKU-${int(1, 99_999)}`,
            quantityMilli,
            unitPrice,
            gross,
            discount,
            net,
            tax,
            total: net + tax,
            cost: Math.round(net * (0.4 + rnd() * 0.3)),
            taxCode: 'STD',
          };
        });
        const total = lines.reduce((s, l) => s + l.total, 0);
        sales.push({
          type: 'SaleCompleted',
          version: 1,
          eventId: uuidv7(at, bytes()),
          storeId,
          saleId: uuidv7(at, bytes()),
          occurredAt: new Date(at).toISOString(),
          recordedAt: new Date(at + int(5, 900)).toISOString(),
          businessDay: day,
          businessHour: hour,
          registerId: `R${int(1, 3)}`,
          cashierId: rnd() < 0.05 ? null : `C${int(1, 8)}`,
          currency: 'EUR',
          lines,
          tenders: [{ kind: 'cash', amount: total }],
          total,
          tax: lines.reduce((s, l) => s + l.tax, 0),
          discount: lines.reduce((s, l) => s + l.discount, 0),
        });
      }
    }
  }
  return sales;
}

/** What the warehouse must report per store and day, computed here from the events themselves. */
export function expectedDailyTotals(sales: readonly SaleCompletedV1[]) {
  const byKey = new Map<
    string,
    { storeId: number; day: string; revenue: number; net: number; tax: number; discount: number; cost: number; lines: number; tickets: number }
  >();
  for (const s of sales) {
    const key = `${String(s.storeId).padStart(10, '0')} ${s.businessDay}`;
    const t = byKey.get(key) ?? { storeId: s.storeId, day: s.businessDay, revenue: 0, net: 0, tax: 0, discount: 0, cost: 0, lines: 0, tickets: 0 };
    for (const l of s.lines) {
      t.revenue += l.total;
      t.net += l.net;
      t.tax += l.tax;
      t.discount += l.discount;
      t.cost += l.cost;
      t.lines += 1;
    }
    t.tickets += 1;
    byKey.set(key, t);
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}
