import { formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { terminalStyles } from './terminal-styles.js';

export interface Receipt {
  saleId: string;
  storeName: string;
  registerId: string;
  cashier: string;
  at: string;
  lines: Array<{
    name: string;
    quantityMilli: number;
    weighed: boolean;
    total: number;
    discount: number;
    /** The catalog price and why another was charged, when the cashier changed it. */
    override?: { listPrice: number; unitPrice: number; reason: string } | undefined;
  }>;
  total: number;
  tax: number;
  discount: number;
  tenders: Array<{ kind: string; amount: number; reference?: string | undefined }>;
  change: number;
  refundOf?: string | undefined;
  offline: boolean;
  customer?: string | undefined;
  note?: string | undefined;
}

/** An 80 mm receipt: what prints is exactly this element (see page.css @media print). */
@customElement('keel-receipt-view')
export class KeelReceiptView extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      .paper {
        width: 80mm;
        max-width: 100%;
        box-sizing: border-box;
        margin: 0 auto;
        padding: 4mm;
        background: #fff;
        border: 1px dashed #6b7280;
        font: 13px/1.35 ui-monospace, 'DejaVu Sans Mono', monospace;
        color: #000;
      }
      .l {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
      }
      .c {
        text-align: center;
      }
      hr {
        border: 0;
        border-top: 1px dashed #000;
      }
      .big {
        font-weight: 800;
        font-size: 15px;
      }
      .id,
      .note {
        font-size: 11px;
        overflow-wrap: anywhere;
      }
      .note {
        font-size: 13px;
        white-space: pre-wrap;
      }
      @media print {
        .paper {
          border: 0;
          padding: 0;
        }
        .no-print {
          display: none;
        }
      }
    `,
  ];

  @property({ attribute: false }) receipt: Receipt | undefined;
  @property() currency = 'EUR';

  override render() {
    const r = this.receipt;
    if (!r) return html`<p>No receipt yet.</p>`;
    const m = (v: number) => formatMoney(v, this.currency);
    return html`<article class="paper" aria-label="Receipt" data-testid="receipt">
      <div class="c big">${r.storeName}</div>
      <div class="c">${new Date(r.at).toLocaleString()} · ${r.registerId}</div>
      <div class="c">Served by ${r.cashier}</div>
      ${r.refundOf ? html`<div class="c big">REFUND of ${r.refundOf.slice(0, 8)}</div>` : ''}
      <hr />
      ${r.lines.map(
        (
          l,
        ) => html`<div class="l"><span>${l.weighed ? `${(l.quantityMilli / 1000).toFixed(3)} kg` : `${l.quantityMilli / 1000} x`} ${l.name}</span><span>${m(l.total)}</span></div>
          ${l.override ? html`<div class="l" data-testid="receipt-override"><span>&nbsp; ${m(l.override.unitPrice)} instead of ${m(l.override.listPrice)}: ${l.override.reason}</span></div>` : ''}
          ${l.discount ? html`<div class="l"><span>&nbsp; discount</span><span>-${m(l.discount)}</span></div>` : ''}`,
      )}
      <hr />
      <div class="l big"><span>TOTAL</span><span data-testid="receipt-total">${m(r.total)}</span></div>
      ${r.discount ? html`<div class="l"><span>You saved</span><span>${m(r.discount)}</span></div>` : ''}
      <div class="l"><span>incl. tax</span><span>${m(r.tax)}</span></div>
      ${r.tenders.map((t) => html`<div class="l"><span>${t.kind}${t.reference ? ` ${t.reference}` : ''}</span><span>${m(t.amount)}</span></div>`)}
      ${r.change ? html`<div class="l big"><span>Change</span><span data-testid="receipt-change">${m(r.change)}</span></div>` : ''}
      ${r.customer ? html`<hr /><div data-testid="receipt-customer">Customer: ${r.customer}</div>` : ''}
      ${r.note ? html`<div class="note" data-testid="receipt-note">Note: ${r.note}</div>` : ''}
      <hr />
      <div class="c">Receipt number</div>
      <div class="c id" data-testid="receipt-id">${r.saleId}</div>
      ${r.offline ? html`<div class="c">(recorded offline; sent when the server answers)</div>` : ''}
    </article>`;
  }
}
