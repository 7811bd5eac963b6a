import { randomUUID } from 'node:crypto';
import { businessTime, type CartLineInput, cartTotals, money, type SaleRequest, seededRandom, type TaxRate } from '@keel/core';

/** Sends one JSON request to Keel (over HTTP or in-process) and returns status and body. */
export type ApiCall = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: ApiBody }>;

/** The parts of Keel's answers the seeder reads: a product, a product page or a problem. */
export interface ApiBody {
  readonly id?: number;
  readonly price?: number;
  readonly items?: ReadonlyArray<{ id: number; price: number }>;
  readonly title?: string;
  readonly code?: string;
}

const CATEGORIES: ReadonlyArray<{ name: string; tax: string; items: readonly string[]; price: [number, number] }> = [
  { name: 'Bakery', tax: 'reduced', items: ['Baguette', 'Sourdough loaf', 'Croissant', 'Pain au chocolat', 'Rye bread', 'Brioche'], price: [90, 450] },
  { name: 'Dairy', tax: 'reduced', items: ['Milk 1 L', 'Butter 250 g', 'Yoghurt 4-pack', 'Comté 200 g', 'Cream 20 cl', 'Eggs x6'], price: [110, 690] },
  { name: 'Produce', tax: 'reduced', items: ['Apples (kg)', 'Bananas (kg)', 'Tomatoes (kg)', 'Carrots (kg)', 'Lettuce', 'Lemons x4'], price: [99, 399] },
  {
    name: 'Drinks',
    tax: 'standard',
    items: ['Sparkling water 1.5 L', 'Orange juice 1 L', 'Cola 33 cl', 'Red wine 75 cl', 'Craft beer 33 cl', 'Coffee beans 500 g'],
    price: [65, 1490],
  },
  { name: 'Household', tax: 'standard', items: ['Dish soap', 'Paper towels', 'Laundry liquid', 'Sponges x3', 'Bin bags', 'Candles'], price: [149, 999] },
];

const TAXES: Readonly<Record<string, TaxRate>> = {
  standard: { code: 'standard', basisPoints: 2000, inclusive: true },
  reduced: { code: 'reduced', basisPoints: 550, inclusive: true },
};

/** EAN-13 with a valid GS1 check digit from a 12-digit body. */
export function ean13(body12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body12[i]) * (i % 2 === 0 ? 1 : 3);
  return body12 + String((10 - (sum % 10)) % 10);
}

export interface SeedOptions {
  readonly days: number;
  readonly salesPerDay: number;
  readonly storeId: number;
  readonly timeZone: string;
  readonly now: Date;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A demo store: a small catalog of everyday products and `days` of sales with a weekly and daily rhythm. */
export async function seedDemo(api: ApiCall, opts: SeedOptions): Promise<{ products: number; sales: number }> {
  const random = seededRandom(42);
  const products: Array<{ id: number; price: number; tax: TaxRate; weighed: boolean }> = [];
  let n = 0;
  for (const c of CATEGORIES) {
    for (const item of c.items) {
      n++;
      const price = c.price[0] + Math.floor(random() * (c.price[1] - c.price[0]));
      const sku = `DEMO-${c.name.slice(0, 3).toUpperCase()}-${String(n).padStart(3, '0')}`;
      const existing = await api('GET', `/api/v1/products?sku=${encodeURIComponent(sku)}`);
      let product: { id?: number; price?: number } | undefined = existing.body.items?.[0];
      if (!product) {
        const res = await api('POST', '/api/v1/products', {
          sku,
          barcode: ean13(`200000${String(n).padStart(6, '0')}`),
          name: item,
          price,
          cost: Math.floor(price * (0.45 + random() * 0.25)),
          taxClass: c.tax,
        });
        if (res.status !== 201) throw new Error(`could not create demo product ${sku}: ${res.body?.title ?? res.status}`);
        product = res.body;
      }
      products.push({ id: product.id as number, price: product.price as number, tax: TAXES[c.tax] as TaxRate, weighed: item.includes('(kg)') });
    }
  }

  let done = 0;
  const startDay = new Date(opts.now.getTime() - (opts.days - 1) * 86_400_000);
  const queue: SaleRequest[] = [];
  for (let d = 0; d < opts.days; d++) {
    const dayStart = new Date(startDay.getTime() + d * 86_400_000);
    const weekday = new Date(`${businessTime(dayStart, opts.timeZone).day}T12:00:00Z`).getUTCDay();
    const rhythm = weekday === 6 ? 1.4 : weekday === 5 ? 1.2 : weekday === 0 ? 0.6 : 1;
    const count = Math.round(opts.salesPerDay * rhythm * (0.9 + random() * 0.2));
    for (let i = 0; i < count; i++) {
      // Opening hours 8:00-20:00 local, busier at lunch and after work.
      const hour = 8 + Math.min(11, Math.floor(Math.abs(random() + random() + random() - 1.5) * 8) + (random() < 0.3 ? 4 : 0));
      const at = new Date(
        `${businessTime(dayStart, opts.timeZone).day}T${String(hour).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:00Z`,
      );
      if (at > opts.now) continue;
      queue.push(demoSale(random, products, opts.storeId, at));
    }
  }
  const planned = queue.length;
  const concurrency = 8;
  const work = async () => {
    for (;;) {
      const sale = queue.shift();
      if (!sale) return;
      const res = await api('POST', '/api/v1/sales', sale);
      if (res.status !== 201 && res.status !== 200) throw new Error(`demo sale refused: ${res.body?.code ?? res.status}`);
      done++;
      if (done % 50 === 0) opts.onProgress?.(done, planned);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, work));
  opts.onProgress?.(done, planned);
  return { products: products.length, sales: done };
}

function demoSale(
  random: () => number,
  products: ReadonlyArray<{ id: number; price: number; tax: TaxRate; weighed: boolean }>,
  storeId: number,
  at: Date,
): SaleRequest {
  const lines = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
    const p = products[Math.floor(random() * products.length)] as (typeof products)[number];
    return { p, quantityMilli: p.weighed ? 250 + Math.floor(random() * 1500) : 1000 * (1 + Math.floor(random() * 2)) };
  });
  const cart: CartLineInput[] = lines.map((l) => ({ quantityMilli: l.quantityMilli, unitPrice: money(l.p.price), tax: l.p.tax }));
  const { total } = cartTotals({ lines: cart, taxRounding: 'line' });
  const card = random() < 0.6;
  return {
    id: randomUUID(),
    storeId,
    registerId: 'demo-till',
    occurredAt: at.toISOString(),
    lines: lines.map((l) => ({ productId: l.p.id, quantityMilli: l.quantityMilli })),
    tenders: [
      card ? { kind: 'card', amount: total, reference: `DEMO${Math.floor(random() * 1e6)}` } : { kind: 'cash', amount: Math.ceil(total / 1000) * 1000 },
    ],
    expectedTotal: total,
  };
}
