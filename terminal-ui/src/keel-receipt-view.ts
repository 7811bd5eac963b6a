import { formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { mailReceipt, receiptPdf } from './terminal-api.js';
import { terminalStyles } from './terminal-styles.js';
import { ApiError } from './till-session.js';

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
      .copy {
        width: 80mm;
        max-width: 100%;
        margin: 0.75rem auto 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .copy button {
        flex: 1 1 6rem;
      }
      .copy form {
        flex: 1 1 100%;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .copy input {
        flex: 1 1 12rem;
        min-width: 0;
      }
      .copy p {
        flex: 1 1 100%;
        margin: 0;
      }
      .note {
        font-size: 13px;
        white-space: pre-wrap;
      }
      @media print {
        .copy {
          display: none;
        }
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
  @state() private mailing = false;
  @state() private busy = false;
  @state() private note = '';

  override willUpdate(changed: Map<string, unknown>) {
    // Another sale's receipt: start clean.
    if (changed.has('receipt')) {
      this.mailing = false;
      this.note = '';
    }
  }

  #explain(e: unknown): string {
    if (!(e instanceof ApiError)) return String(e);
    if (e.status === 0) return 'The server cannot be reached; try again when it answers.';
    if (e.code === 'sale.not_found') return 'This sale has not reached the server yet; try again in a moment.';
    if (e.code === 'receipt.email_invalid') return 'That is not an e-mail address.';
    return e.message;
  }

  async #pdf() {
    const r = this.receipt;
    if (!r) return;
    this.busy = true;
    this.note = '';
    try {
      const url = URL.createObjectURL(await receiptPdf(r.saleId));
      const a = document.createElement('a');
      a.href = url;
      a.download = `receipt-${r.saleId.slice(0, 8)}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.note = 'PDF downloaded.';
    } catch (e) {
      this.note = this.#explain(e);
    } finally {
      this.busy = false;
    }
  }

  async #mail(e: Event) {
    e.preventDefault();
    const r = this.receipt;
    const input = this.renderRoot.querySelector<HTMLInputElement>('#mail-to');
    if (!r || !input) return;
    this.busy = true;
    this.note = '';
    try {
      const sent = await mailReceipt(r.saleId, input.value);
      this.note =
        sent.status === 'sent' ? `Receipt sent to ${input.value.trim()}.` : `Receipt queued for ${input.value.trim()}; it leaves when the mail server answers.`;
      this.mailing = false;
    } catch (err) {
      this.note = this.#explain(err);
    } finally {
      this.busy = false;
    }
  }

  #copyActions() {
    return html`<div class="copy no-print">
      <button class="secondary" data-testid="receipt-pdf" ?disabled=${this.busy} @click=${this.#pdf}>PDF</button>
      <button class="secondary" data-testid="receipt-mail" ?disabled=${this.busy} aria-expanded=${this.mailing ? 'true' : 'false'}
        @click=${() => {
          this.mailing = !this.mailing;
          this.note = '';
        }}>E-mail</button>
      ${
        this.mailing
          ? html`<form @submit=${this.#mail}>
              <input id="mail-to" type="email" inputmode="email" autocomplete="off" required maxlength="254" placeholder="customer@example.com" aria-label="Customer's e-mail address" data-testid="receipt-mail-to" />
              <button type="submit" data-testid="receipt-mail-send" ?disabled=${this.busy}>Send</button>
            </form>`
          : ''
      }
      <p role="status" data-testid="receipt-copy-note">${this.note}</p>
    </div>`;
  }

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
    </article>
    ${this.#copyActions()}`;
  }
}
