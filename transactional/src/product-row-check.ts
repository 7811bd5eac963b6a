import { checkBarcode, parseDecimalMoney } from '@keel/core';
import type { RawProduct } from './product-file-layouts.js';

/** A product row that passed every check that needs no database: ready for the staging table. */
export interface StagedProduct {
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly price: number;
  readonly cost: number;
  readonly taxClass: string;
  readonly active: boolean;
  readonly unit: 'piece' | 'weight';
  readonly category: string | null;
  readonly brand: string | null;
  readonly parentSku: string | null;
  readonly variant: string | null;
  readonly barcodes: ReadonlyArray<{ code: string; kind: string }>;
}

/** What a SKU may hold (a barcode's characters are a subset): no spaces. */
export const SKU_PATTERN = /^[A-Za-z0-9._/-]{1,64}$/;
const TRUE = new Set(['true', 'yes', 'y', '1', 'active', 'enabled']);
const FALSE = new Set(['false', 'no', 'n', '0', 'inactive', 'disabled', 'draft', 'archived']);

/** Check one row; on failure say why in words a store manager understands. */
export function checkProductRow(raw: RawProduct, taxClasses: ReadonlySet<string>): { ok: true; row: StagedProduct } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (!raw.sku) return bad('SKU is empty');
  if (!SKU_PATTERN.test(raw.sku)) return bad(`SKU "${raw.sku.slice(0, 70)}" may hold letters, digits and . _ / - only (64 at most)`);
  if (!raw.name) return bad('name is empty');
  if (raw.name.length > 200) return bad('name is longer than 200 characters');
  if (raw.price.trim().startsWith('-')) return bad(`price ${raw.price} is negative`);
  const price = parseDecimalMoney(raw.price);
  if (price === undefined) return bad(`price "${raw.price.slice(0, 30)}" is not an amount like 12.90`);
  if (raw.cost.trim().startsWith('-')) return bad(`cost ${raw.cost} is negative`);
  const cost = raw.cost === '' ? 0 : parseDecimalMoney(raw.cost);
  if (cost === undefined) return bad(`cost "${raw.cost.slice(0, 30)}" is not an amount like 4.50`);
  const taxClass = raw.taxClass || 'standard';
  if (!taxClasses.has(taxClass)) return bad(`tax class "${taxClass.slice(0, 40)}" does not exist`);
  const activeText = raw.active.toLowerCase();
  if (activeText && !TRUE.has(activeText) && !FALSE.has(activeText)) return bad(`active "${raw.active.slice(0, 20)}" is neither true nor false`);
  const unitText = raw.unit.toLowerCase();
  const unit =
    unitText === '' || unitText === 'piece' || unitText === 'each' || unitText === 'ea'
      ? 'piece'
      : unitText === 'weight' || unitText === 'kg'
        ? 'weight'
        : undefined;
  if (!unit) return bad(`unit "${raw.unit.slice(0, 20)}" is neither piece nor weight`);
  if (raw.description.length > 4000) return bad('description is longer than 4000 characters');
  if (raw.category.length > 300 || raw.brand.length > 100 || raw.variant.length > 200) return bad('category, brand or variant is too long');
  if (raw.parentSku && !SKU_PATTERN.test(raw.parentSku)) return bad(`parent SKU "${raw.parentSku.slice(0, 70)}" is not a valid SKU`);
  if (raw.parentSku === raw.sku) return bad('a product cannot be its own parent');
  const barcodes: Array<{ code: string; kind: string }> = [];
  for (const code of raw.barcodes.split(/[|;\s]+/).filter(Boolean)) {
    const c = checkBarcode(code);
    if (!c.ok) return bad(`barcode ${c.reason}`);
    if (barcodes.some((b) => b.code === code)) continue;
    barcodes.push({ code, kind: c.kind });
  }
  return {
    ok: true,
    row: {
      sku: raw.sku,
      name: raw.name,
      description: raw.description,
      price,
      cost,
      taxClass,
      active: activeText === '' || TRUE.has(activeText),
      unit,
      category: normaliseCategory(raw.category),
      brand: raw.brand || null,
      parentSku: raw.parentSku || null,
      variant: raw.variant || null,
      barcodes,
    },
  };
}

/** "Food>Dairy / Milk" style paths become "Food > Dairy > Milk"; empty is no category. */
export function normaliseCategory(text: string): string | null {
  const parts = text
    .split(/\s*[>/]\s*/)
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.length ? parts.join(' > ') : null;
}
