import { type CartTotals, formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Cart, CartLine } from './cart.js';
import { fieldValue } from './field-value.js';
import { terminalStyles } from './terminal-styles.js';

export interface LineChange {
  key: number;
  quantityMilli?: number;
  discountBp?: number;
  void?: boolean;
  /** The cashier asks to change this line's price. */
  price?: boolean;
}

/** The lines of the sale with their quantity, discount and total; emits `line-change`. */
@customElement('keel-cart-view')
export class KeelCartView extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      table {
        width: 100%;
        border-collapse: collapse;
      }
      th,
      td {
        padding: 0.3rem 0.3rem;
        border-bottom: 1px solid #e5e7eb;
        text-align: left;
        vertical-align: middle;
      }
      th {
        font-size: 0.8rem;
        color: #374151;
      }
      .name {
        width: 100%;
        overflow-wrap: anywhere;
      }
      .sku {
        color: #4b5563;
        font-size: 0.8rem;
      }
      input.qty,
      input.disc {
        width: 5.2rem;
        text-align: right;
      }
      .void,
      .price {
        min-width: 44px;
        padding: 0 0.6rem;
      }
      .sr {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      .was {
        text-decoration: line-through;
      }
      .override {
        color: #92400e;
        font-weight: 600;
      }
      .empty {
        color: #4b5563;
        padding: 1.5rem 0.3rem;
      }
      @media (max-width: 600px) {
        input.qty,
        input.disc {
          width: 4.2rem;
        }
        th.disc,
        td.disc {
          display: none;
        }
      }
    `,
  ];

  @property({ attribute: false }) cart: Cart | undefined;
  @property({ attribute: false }) totals: CartTotals | undefined;
  @property() currency = 'EUR';

  #change(detail: LineChange) {
    this.dispatchEvent(new CustomEvent<LineChange>('line-change', { detail, bubbles: true, composed: true }));
  }

  #row(l: CartLine, i: number) {
    const t = this.totals?.lines[i];
    const qty = l.weighed ? (l.quantityMilli / 1000).toFixed(3) : String(l.quantityMilli / 1000);
    const bp = l.discount?.kind === 'percent' ? l.discount.basisPoints / 100 : 0;
    return html`<tr data-testid="cart-line">
      <td class="name"><div>${l.product.name}</div><div class="sku">${l.product.sku} ·
        ${
          l.override ? html`<span class="was">${formatMoney(l.product.price, this.currency)}</span>` : formatMoney(l.product.price, this.currency)
        }${l.weighed ? ' /kg' : ''}</div>
        ${
          l.override
            ? html`<div class="override sku" data-testid="line-override">${formatMoney(l.override.unitPrice, this.currency)}${l.weighed ? ' /kg' : ''} · ${l.override.reason}</div>`
            : ''
        }</td>
      <td>
        <input class="qty" aria-label="Quantity of ${l.product.name}" inputmode="decimal" .value=${fieldValue(qty)}
          @change=${(e: Event) => {
            const v = Number((e.target as HTMLInputElement).value.replace(',', '.'));
            if (Number.isFinite(v) && v > 0) this.#change({ key: l.key, quantityMilli: Math.round(v * 1000) });
            else (e.target as HTMLInputElement).value = qty;
          }} />
      </td>
      <td class="disc">
        <input class="disc" aria-label="Discount % on ${l.product.name}" inputmode="decimal" .value=${fieldValue(String(bp))}
          @change=${(e: Event) => {
            const v = Number((e.target as HTMLInputElement).value.replace(',', '.'));
            if (Number.isFinite(v) && v >= 0 && v <= 100) this.#change({ key: l.key, discountBp: Math.round(v * 100) });
            else (e.target as HTMLInputElement).value = String(bp);
          }} />
      </td>
      <td class="money" data-testid="line-total">${t ? formatMoney(t.total, this.currency) : ''}</td>
      <td><div class="row" style="flex-wrap:nowrap">
        <button class="price secondary" aria-label="Change the price of ${l.product.name}" title="Change the price" @click=${() => this.#change({ key: l.key, price: true })}>Price</button>
        <button class="void danger" aria-label="Void ${l.product.name}" @click=${() => this.#change({ key: l.key, void: true })}>✕</button>
      </div></td>
    </tr>`;
  }

  override render() {
    const lines = this.cart?.lines ?? [];
    if (lines.length === 0) return html`<p class="empty">Scan an item or search by name to start a sale.</p>`;
    return html`<table aria-label="Sale lines">
      <thead><tr><th>Item</th><th>Qty</th><th class="disc">Disc. %</th><th class="money">Total</th><th><span class="sr">Price or void</span></th></tr></thead>
      <tbody>${lines.map((l, i) => this.#row(l, i))}</tbody>
    </table>`;
  }
}
