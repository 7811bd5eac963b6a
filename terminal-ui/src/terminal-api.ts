import type { TaxRate, TenderKind } from '@keel/core';
import { apiFetch } from './till-session.js';

/** The terminal's view of the Keel API: payload types and calls. Money is integer minor units. */
export interface TerminalConfig {
  storeId: number;
  storeName: string;
  currency: string;
  taxClasses: TaxRate[];
  cashier: { id: string; name: string; role: string; maxDiscountBp: number; permissions: string[] };
  offline: { maxSaleTotal: number; tenders: TenderKind[]; maxHours: number };
  cashRounding: number;
}

export interface CatalogProduct {
  id: number;
  sku: string;
  barcode: string | null;
  name: string;
  price: number;
  taxClass: string;
  active: boolean;
  /** Sold by weight (from the offline catalog; the JSON list does not say). */
  weighed?: boolean;
}

export interface SaleResult {
  id: string;
  total: number;
  changeDue: number;
  replayed?: boolean;
}

export interface CashSession {
  id: string;
  registerId: string;
  openedAt: string;
  openingFloat: number;
  closedAt: string | null;
}

export interface CashReport {
  kind: 'X' | 'Z';
  sessionId: string;
  openingFloat: number;
  sales: number;
  refunds: number;
  gross: number;
  discount: number;
  tax: number;
  total: number;
  tenders: Record<string, number>;
  changeGiven: number;
  expectedCash: number;
  counted?: number;
  overShort?: number;
}

export interface RefundableSale {
  sale: { id: string; occurredAt: string; total: number; tenders: Array<{ kind: string; amount: number }> };
  lines: Array<{ productId: number; sku: string; soldMilli: number; refundedMilli: number; refundUnitPrice: number }>;
}

export const getConfig = () => apiFetch<TerminalConfig>('/api/v1/terminal/config');

/** Every active product, page by page (the catalog snapshot). */
export async function fetchCatalog(onPage?: (loaded: number) => void): Promise<CatalogProduct[]> {
  const out: CatalogProduct[] = [];
  let after = 0;
  for (;;) {
    const page = await apiFetch<{ items: CatalogProduct[]; next: number | null }>(`/api/v1/products?limit=500&after=${after}`);
    for (const p of page.items) if (p.active) out.push(p);
    onPage?.(out.length);
    if (page.next === null) return out;
    after = page.next;
  }
}

export const currentSession = (registerId: string) =>
  apiFetch<{ session: CashSession | null }>(`/api/v1/cash-sessions/current?registerId=${encodeURIComponent(registerId)}`);
export const openSession = (id: string, registerId: string, openingFloat: number) =>
  apiFetch<CashSession>('/api/v1/cash-sessions', { method: 'POST', body: { id, registerId, openingFloat } });
export const xReport = (id: string) => apiFetch<CashReport>(`/api/v1/cash-sessions/${id}/x-report`);
export const closeSession = (id: string, counts: Record<string, number>) =>
  apiFetch<CashReport>(`/api/v1/cash-sessions/${id}/close`, { method: 'POST', body: { counts } });
export const drawerEvent = (id: string, kind: 'no_sale' | 'drawer_open', reason?: string) =>
  apiFetch<void>(`/api/v1/cash-sessions/${id}/drawer-events`, { method: 'POST', body: { kind, reason } });
export const refundable = (saleId: string) => apiFetch<RefundableSale>(`/api/v1/terminal/refundable/${saleId}`);

/** The server's copy of a sale's receipt, as a PDF. */
export const receiptPdf = (saleId: string) => apiFetch<Blob>(`/api/v1/sales/${saleId}/receipt.pdf`, { as: 'blob' });
/** Mail the receipt (PDF attached) to `to`; 'queued' when the mail server is away (it is sent later). */
export const mailReceipt = (saleId: string, to: string) =>
  apiFetch<{ status: 'sent' | 'queued' }>(`/api/v1/sales/${saleId}/receipt-mail`, { method: 'POST', body: { to } });

export interface Customer {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  code: string | null;
}

export const searchCustomers = (q: string) => apiFetch<{ items: Customer[] }>(`/api/v1/customers?q=${encodeURIComponent(q)}&limit=8`);
export const createCustomer = (c: { name: string; email?: string; phone?: string }) => apiFetch<Customer>('/api/v1/customers', { method: 'POST', body: c });
