import { formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { type RefundableSale, refundable } from './terminal-api.js';
import { terminalStyles } from './terminal-styles.js';
import { ApiError, type Approval } from './till-session.js';

export interface RefundRequest {
  sale: RefundableSale;
  /** A manager's username and PIN, when the cashier may not refund on their own. */
  approval: Approval | undefined;
  reason: string;
  /** productId -> milli-units to return. */
  quantities: Map<number, number>;
  tender: 'cash' | 'original';
}

/** Find the original sale by its receipt number, choose what comes back; a manager approves unless the cashier may refund. Emits `refund`. */
@customElement('keel-refund-panel')
export class KeelRefundPanel extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      input.wide {
        width: min(100%, 26rem);
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      td,
      th {
        text-align: left;
        padding: 0.3rem;
        border-bottom: 1px solid #e5e7eb;
      }
    `,
  ];

  @property() currency = 'EUR';
  /** The signed-in cashier lacks `sales.refund`: a manager's username and PIN go with the refund. */
  @property({ type: Boolean }) needsManager = false;
  @state() private found: RefundableSale | undefined;
  @state() private error = '';

  #val(id: string) {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement | HTMLSelectElement).value.trim();
  }

  async #find() {
    this.error = '';
    try {
      this.found = await refundable(this.#val('receipt'));
    } catch (e) {
      this.found = undefined;
      this.error = e instanceof ApiError ? (e.status === 404 || e.status === 400 ? 'No sale with that receipt number' : e.message) : String(e);
    }
  }

  #refund() {
    const sale = this.found;
    if (!sale) return;
    const reason = this.#val('reason');
    if (!reason) {
      this.error = 'Give the reason for the refund';
      return;
    }
    const quantities = new Map<number, number>();
    for (const l of sale.lines) {
      const n = Number(this.#val(`q${l.productId}`) || '0');
      if (n > 0) quantities.set(l.productId, Math.round(n * 1000));
    }
    if (quantities.size === 0) {
      this.error = 'Choose what is returned';
      return;
    }
    const approval = this.needsManager ? { username: this.#val('mgr'), pin: this.#val('mgrpin') } : undefined;
    if (approval && (!approval.username || !approval.pin)) {
      this.error = 'A refund needs a manager: enter their username and PIN';
      return;
    }
    this.dispatchEvent(
      new CustomEvent<RefundRequest>('refund', {
        detail: { sale, approval, reason, quantities, tender: this.#val('tender') as 'cash' | 'original' },
      }),
    );
  }

  override render() {
    const f = this.found;
    return html`<section class="panel" aria-labelledby="rf-h"><h2 id="rf-h">Refund</h2>
      <div class="row">
        <label for="receipt">Receipt number<input id="receipt" class="wide" autocomplete="off" /></label>
        <button @click=${() => void this.#find()}>Find sale</button>
      </div>
      ${
        f
          ? html`<p>Sale of ${new Date(f.sale.occurredAt).toLocaleString()}, ${formatMoney(f.sale.total, this.currency)}</p>
        <table><thead><tr><th>Item</th><th>Sold</th><th>Returned</th><th>Return now</th></tr></thead><tbody>
        ${f.lines.map(
          (l) => html`<tr><td>${l.sku}</td><td>${l.soldMilli / 1000}</td><td>${l.refundedMilli / 1000}</td>
            <td><input id="q${l.productId}" aria-label="Return how many ${l.sku}" inputmode="decimal" autocomplete="off" /></td></tr>`,
        )}</tbody></table>
        <div class="row">
          <label for="reason">Reason<input id="reason" autocomplete="off" /></label>
          <label for="tender">Pay back<select id="tender"><option value="original">to the original payment</option><option value="cash">in cash</option></select></label>
          ${
            this.needsManager
              ? html`<label for="mgr">Manager username<input id="mgr" autocomplete="off" autocapitalize="none" /></label>
                <label for="mgrpin">Manager PIN<input id="mgrpin" type="password" inputmode="numeric" autocomplete="off" /></label>`
              : ''
          }
          <button @click=${this.#refund}>Refund</button>
        </div>`
          : ''
      }
      <p role="alert">${this.error}</p>
      <button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Back to selling</button>
    </section>`;
  }

  showError(message: string) {
    this.error = message;
  }
}
