import { Bool, makeVector, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../src/catalog-index.js';

const WORDS = ['Organic', 'Whole', 'Milk', 'Butter', 'Sourdough', 'Lager', 'Nordic', 'Gold', 'Pineapple', 'Crème', 'Brûlée', 'Coffee', 'Beans'];

/** A snapshot like the server's: `n` products, ids from `firstId` spaced by `step`, one or two barcodes. */
function snapshot(n: number, firstId = 1, step = 1, words = WORDS): Uint8Array {
  const ids = Int32Array.from({ length: n }, (_, i) => firstId + i * step);
  const names = Array.from({ length: n }, (_, i) => `${words[i % 13]} ${words[Math.floor(i / 13) % 13]} ${words[Math.floor(i / 169) % 13]} ${i}`);
  const barcodes = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? `${4000000000000 + i}|CODE-${i}` : String(4000000000000 + i)));
  const table = new Table({
    id: makeVector(ids),
    sku: vectorFromArray(
      Array.from({ length: n }, (_, i) => `SKU-${i}`),
      new Utf8(),
    ),
    name: vectorFromArray(names, new Utf8()),
    price: makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(100 + i))),
    tax_class: vectorFromArray(
      Array.from({ length: n }, () => 'standard'),
      new Utf8(),
    ),
    active: vectorFromArray(
      Array.from({ length: n }, () => true),
      new Bool(),
    ),
    weighed: vectorFromArray(
      Array.from({ length: n }, () => false),
      new Bool(),
    ),
    barcodes: vectorFromArray(barcodes, new Utf8()),
  });
  return tableToIPC(table, 'stream');
}

/** The answers a till asks for, in a form to compare between two indexes. */
function answers(index: CatalogIndex, n: number, firstId: number, step: number) {
  return {
    size: index.size,
    barcodes: [0, 1, 10, Math.floor(n / 2), n - 1].map((i) => index.byBarcode(String(4000000000000 + i))?.sku ?? null),
    other: index.byBarcode('CODE-10')?.sku ?? null,
    skus: ['sku-7', 'SKU-42', 'nope'].map((s) => index.bySku(s)?.id ?? null),
    ids: [firstId, firstId + 3 * step, firstId + 1].map((id) => index.byId(id)?.sku ?? null),
    searches: ['organic mi', 'nordic gold', 'pineaple', 'crème br', 'sourdou'].map((q) => index.search(q, 10).map((p) => p.id)),
  };
}

const bufferOf = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

describe('offline catalog index, stored and read back', () => {
  for (const [label, step] of [
    ['dense ids', 1],
    ['sparse ids', 97],
  ] as const) {
    it(`answers barcode, SKU, id and name searches the same from the stored index (${label})`, () => {
      const n = 3000;
      const bytes = snapshot(n, 5, step);
      const table = tableFromIPC(bytes);
      const built = new CatalogIndex(table);
      const stored = built.serialize({ version: 77, snapshotBytes: bytes.byteLength });
      const restored = CatalogIndex.restore(tableFromIPC(bytes), bufferOf(stored), { version: 77, snapshotBytes: bytes.byteLength });
      expect(restored).toBeDefined();
      const expected = answers(built, n, 5, step);
      expect(expected.barcodes).toEqual(['SKU-0', 'SKU-1', 'SKU-10', 'SKU-1500', 'SKU-2999']);
      expect(expected.other).toBe('SKU-10');
      expect(expected.ids[0]).toBe('SKU-0');
      expect(expected.searches.every((ids) => ids.length > 0)).toBe(true);
      expect(answers(restored as CatalogIndex, n, 5, step)).toEqual(expected);
    });
  }

  it('reads plain-ASCII names chunk by chunk to the same answers as one chunk', () => {
    const ascii = WORDS.map((w) => w.normalize('NFD').replace(/[^A-Za-z]/g, ''));
    const whole = tableFromIPC(snapshot(3000, 1, 1, ascii));
    const chunked = tableFromIPC(snapshot(1000, 1, 1, ascii))
      .concat(tableFromIPC(snapshot(3000, 1, 1, ascii)).slice(1000, 2000))
      .concat(tableFromIPC(snapshot(3000, 1, 1, ascii)).slice(2000));
    expect(chunked.batches.length).toBe(3);
    const expected = answers(new CatalogIndex(whole), 3000, 1, 1);
    expect(answers(new CatalogIndex(chunked), 3000, 1, 1)).toEqual(expected);
    const hits = new CatalogIndex(chunked).search('nordic gold', 50);
    expect(hits.length).toBeGreaterThan(0);
    for (const p of hits) expect(p.name.toLowerCase().split(' ')).toEqual(expect.arrayContaining(['nordic']));
    for (const p of hits) expect(p.name.toLowerCase()).toMatch(/\bgold/);
  });

  it('refuses a stored index that is damaged, cut short, or made for another snapshot', () => {
    const bytes = snapshot(2000);
    const key = { version: 9, snapshotBytes: bytes.byteLength };
    const stored = new CatalogIndex(tableFromIPC(bytes)).serialize(key);
    const table = tableFromIPC(bytes);
    expect(CatalogIndex.restore(table, bufferOf(stored), key)).toBeDefined();
    const damaged = stored.slice();
    const middle = Math.floor(damaged.length / 2);
    damaged[middle] = (damaged[middle] as number) ^ 0x40;
    expect(CatalogIndex.restore(table, damaged.buffer, key)).toBeUndefined();
    expect(CatalogIndex.restore(table, bufferOf(stored.subarray(0, stored.length - 64)), key)).toBeUndefined();
    expect(CatalogIndex.restore(table, bufferOf(stored), { version: 10, snapshotBytes: bytes.byteLength })).toBeUndefined();
    expect(CatalogIndex.restore(table, bufferOf(stored), { version: 9, snapshotBytes: bytes.byteLength + 8 })).toBeUndefined();
    expect(CatalogIndex.restore(tableFromIPC(snapshot(1999)), bufferOf(stored), key)).toBeUndefined();
    expect(CatalogIndex.restore(table, new ArrayBuffer(0), key)).toBeUndefined();
  });

  it('keeps changed products over the stored index, and lists every current product', () => {
    const bytes = snapshot(500);
    const key = { version: 3, snapshotBytes: bytes.byteLength };
    const index = CatalogIndex.restore(tableFromIPC(bytes), bufferOf(new CatalogIndex(tableFromIPC(bytes)).serialize(key)), key) as CatalogIndex;
    const before = index.byBarcode('4000000000007');
    expect(before).toMatchObject({ sku: 'SKU-7', price: 107 });
    const delta = tableFromIPC(snapshot(8));
    index.applyDelta(delta);
    expect(index.size).toBe(500);
    expect(index.changed().map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...index.products()].length).toBe(500);
    // A changed product is found once, as changed: its snapshot row is hidden from searches too.
    const found = index.search('organic', 50).map((p) => p.id);
    expect(found).toContain(1);
    expect(new Set(found).size).toBe(found.length);
    expect(index.search('organic whole', 50).filter((p) => p.id === 2)).toHaveLength(1);
  });
});
