/** A product the bench made through the API: its id and its price (tax included). */
export interface BenchProduct {
  readonly id: number;
  readonly price: number;
}

const TAX_CLASSES = ['standard', 'reduced', 'zero'] as const;

/**
 * `count` products through `POST /api/v1/products` of a running server, 8 requests in flight: SKUs
 * `<prefix>-00000`..., prices 0.50-50.00 in minor units, cost 60% of the price, the three tax classes in turn.
 */
export async function createBenchProducts(url: string, count: number, prefix: string): Promise<BenchProduct[]> {
  const products: BenchProduct[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const price = 50 + ((i * 7919) % 4951);
      const body = {
        sku: `${prefix}-${String(i).padStart(5, '0')}`,
        name: `Bench product ${i}`,
        price,
        cost: Math.floor(price * 0.6),
        taxClass: TAX_CLASSES[i % 3],
      };
      const res = await fetch(`${url}/api/v1/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST /api/v1/products answered ${res.status}: ${await res.text()}`);
      const created = (await res.json()) as { id: number | string; price: number };
      products.push({ id: Number(created.id), price: created.price });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return products;
}
