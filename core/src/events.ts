/**
 * Events Keel emits, versioned. Producers write exactly these shapes to the outbox; consumers
 * check `type` and `version` with `parseEvent` and drop or dead-letter anything else.
 * Amounts are integer minor units, quantities integer milli-units.
 */

export interface SaleLineFact {
  readonly lineNo: number;
  readonly productId: number;
  readonly sku: string;
  readonly quantityMilli: number;
  readonly unitPrice: number;
  readonly gross: number;
  readonly discount: number;
  readonly net: number;
  readonly tax: number;
  readonly total: number;
  /** Cost of goods for the line (unit cost x quantity), for margins. */
  readonly cost: number;
  readonly taxCode: string;
  /** The product's category when the catalog has one (the warehouse stores 0 when absent). */
  readonly categoryId?: number | null;
}

export interface TenderFact {
  readonly kind: string;
  readonly amount: number;
}

export interface SaleCompletedV1 {
  readonly type: 'SaleCompleted';
  readonly version: 1;
  readonly eventId: string;
  readonly storeId: number;
  readonly saleId: string;
  /** When the sale happened at the till (ISO 8601, UTC). */
  readonly occurredAt: string;
  /** When the server committed it (ISO 8601, UTC). */
  readonly recordedAt: string;
  /** The store's business day of the sale, YYYY-MM-DD in the store's time zone. */
  readonly businessDay: string;
  /** Hour of day (0-23) of occurredAt in the store's time zone. */
  readonly businessHour: number;
  readonly registerId: string | null;
  readonly cashierId: string | null;
  readonly currency: string;
  readonly lines: readonly SaleLineFact[];
  readonly tenders: readonly TenderFact[];
  readonly total: number;
  readonly tax: number;
  readonly discount: number;
}

export type KeelEvent = SaleCompletedV1;
export type KeelEventType = KeelEvent['type'];

export type ParsedEvent = { ok: true; event: KeelEvent } | { ok: false; reason: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Check an untrusted payload is an event this version of Keel can read. Never throws. */
export function parseEvent(raw: unknown): ParsedEvent {
  if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'not an object' };
  const e = raw as Record<string, unknown>;
  if (e.type !== 'SaleCompleted') return { ok: false, reason: `unknown event type ${String(e.type)}` };
  if (e.version !== 1) return { ok: false, reason: `unsupported SaleCompleted version ${String(e.version)}` };
  if (
    !isStr(e.eventId) ||
    !isStr(e.saleId) ||
    !isInt(e.storeId) ||
    !isStr(e.occurredAt) ||
    !isStr(e.recordedAt) ||
    !isStr(e.businessDay) ||
    !isInt(e.businessHour)
  ) {
    return { ok: false, reason: 'missing ids or times' };
  }
  if (!Array.isArray(e.lines) || !Array.isArray(e.tenders)) return { ok: false, reason: 'missing lines or tenders' };
  for (const l of e.lines as Record<string, unknown>[]) {
    for (const k of ['lineNo', 'productId', 'quantityMilli', 'unitPrice', 'gross', 'discount', 'net', 'tax', 'total', 'cost'] as const) {
      if (!isInt(l?.[k])) return { ok: false, reason: `line field ${k} is not an integer` };
    }
  }
  return { ok: true, event: raw as SaleCompletedV1 };
}
