import { isUuid, type SaleCompletedV1 } from '@keel/core';

/** One row of `sale_lines`, as sent in JSONEachRow. */
export type SaleLineRow = {
  event_id: string;
  sale_id: string;
  store_id: number;
  line_no: number;
  occurred_at: string;
  recorded_at: string;
  business_day: string;
  business_hour: number;
  register_id: string;
  cashier_id: string;
  product_id: number;
  category_id: number;
  sku: string;
  quantity_milli: number;
  unit_price: number;
  gross: number;
  discount: number;
  net: number;
  tax: number;
  total: number;
  cost: number;
  tax_code: string;
};

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The `sale_lines` rows of a sale event, or null when the event cannot be stored as it is
 * (no lines, ids that are not UUIDs, unreadable times): the loader skips those.
 */
export function saleLineRows(event: SaleCompletedV1): SaleLineRow[] | null {
  if (event.lines.length === 0 || !isUuid(event.eventId) || !isUuid(event.saleId)) return null;
  if (!Number.isInteger(event.storeId) || event.storeId < 0 || event.storeId > 0xffff_ffff) return null;
  if (!DAY_RE.test(event.businessDay) || !Number.isInteger(event.businessHour) || event.businessHour < 0 || event.businessHour > 23) return null;
  const occurredAt = clickhouseTime(event.occurredAt);
  const recordedAt = clickhouseTime(event.recordedAt);
  if (occurredAt === null || recordedAt === null) return null;
  const eventId = event.eventId.toLowerCase();
  const saleId = event.saleId.toLowerCase();
  return event.lines.map((line) => ({
    event_id: eventId,
    sale_id: saleId,
    store_id: event.storeId,
    line_no: line.lineNo,
    occurred_at: occurredAt,
    recorded_at: recordedAt,
    business_day: event.businessDay,
    business_hour: event.businessHour,
    register_id: event.registerId ?? '',
    cashier_id: event.cashierId ?? '',
    product_id: line.productId,
    category_id: validCategory(line.categoryId),
    sku: line.sku,
    quantity_milli: line.quantityMilli,
    unit_price: line.unitPrice,
    gross: line.gross,
    discount: line.discount,
    net: line.net,
    tax: line.tax,
    total: line.total,
    cost: line.cost,
    tax_code: line.taxCode,
  }));
}

/** One row of `sale_tenders`. */
export type SaleTenderRow = {
  event_id: string;
  sale_id: string;
  store_id: number;
  business_day: string;
  business_hour: number;
  tender_no: number;
  kind: string;
  amount: number;
};

/** The `sale_tenders` rows of a sale whose lines are storable (pass the lines' first row). */
export function saleTenderRows(event: SaleCompletedV1, first: SaleLineRow): SaleTenderRow[] {
  return event.tenders
    .filter((t) => Number.isSafeInteger(t.amount) && typeof t.kind === 'string')
    .map((t, i) => ({
      event_id: first.event_id,
      sale_id: first.sale_id,
      store_id: first.store_id,
      business_day: first.business_day,
      business_hour: first.business_hour,
      tender_no: i + 1,
      kind: t.kind.slice(0, 32),
      amount: t.amount,
    }));
}

function validCategory(id: number | null | undefined): number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffff_ffff ? id : 0;
}

/** An ISO 8601 instant as ClickHouse's DateTime64(3, 'UTC') text, e.g. '2026-11-25 17:04:05.123'. */
export function clickhouseTime(iso: string): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
