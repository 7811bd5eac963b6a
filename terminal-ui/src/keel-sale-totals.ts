import { type CartTotals, formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { fieldValue } from './field-value.js';
import { terminalStyles } from './terminal-styles.js';

/** What the cashier can do from the sale screen besides building the cart. */
export type SaleAction = 'pay' | 'hold' | 'cancel' | 'refund' | 'no-sale' | 'x-report' | 'close' | 'last-receipt' | 'switch-cashier' | 'sign-out';

/**
 * The sale's total, tax and discount, the discount on the whole sale, and the till's actions.
 * Emits `order-discount` (basis points, 0–10000) and `action` (a SaleAction).
 */
@customElement('keel-sale-totals')
export class KeelSaleTotals extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      .total {
        font-size: 2rem;
        font-weight: 800;
      }
      .actions {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.5rem;
        margin-top: 0.6rem;
      }
      .actions .pay {
        grid-column: 1 / -1;
        font-size: 1.3rem;
        min-height: 56px;
      }
    `,
  ];

  @property({ attribute: false }) totals: CartTotals | undefined;
  @property() currency = 'EUR';
  /** The discount on the whole sale now, in percent. */
  @property({ type: Number }) orderPercent = 0;
  @property({ type: Boolean }) hasReceipt = false;

  #emit(action: SaleAction) {
    this.dispatchEvent(new CustomEvent<SaleAction>('action', { detail: action }));
  }

  override render() {
    const t = this.totals;
    const cur = this.currency;
    const button = (action: SaleAction, label: string, disabled = false) =>
      html`<button class="secondary" ?disabled=${disabled} @click=${() => this.#emit(action)}>${label}</button>`;
    return html`<p>Total <span class="total money" data-testid="total">${formatMoney(t?.total ?? 0, cur)}</span></p>
      <p>Tax ${formatMoney(t?.tax ?? 0, cur)} · Discount ${formatMoney(t?.discount ?? 0, cur)}</p>
      <label for="orderdisc">Discount on the whole sale %<input id="orderdisc" inputmode="decimal" autocomplete="off" .value=${fieldValue(String(this.orderPercent))}
        @change=${(e: Event) => {
          const v = Number((e.target as HTMLInputElement).value.replace(',', '.'));
          if (Number.isFinite(v) && v >= 0 && v <= 100) this.dispatchEvent(new CustomEvent<number>('order-discount', { detail: Math.round(v * 100) }));
        }} /></label>
      <div class="actions">
        <button class="pay" @click=${() => this.#emit('pay')} data-testid="pay">Pay</button>
        ${button('hold', 'Hold')}
        <button class="danger" @click=${() => this.#emit('cancel')}>Cancel sale</button>
        ${button('refund', 'Refund')} ${button('no-sale', 'No sale')} ${button('x-report', 'X report')} ${button('close', 'Close till')}
        ${button('last-receipt', 'Last receipt', !this.hasReceipt)} ${button('switch-cashier', 'Switch cashier')} ${button('sign-out', 'Sign out')}
      </div>`;
  }
}
