import { formatDecimalMoney, formatMoney, parseDecimalMoney, roundCash, type SaleTender, settleTenders, type TenderKind } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { terminalStyles } from './terminal-styles.js';

/**
 * Taking payment: cash (change due, cash rounding), card as an external terminal payment (its
 * reference and the last 4 digits only), split over several tenders. Emits `complete` with the tenders.
 */
@customElement('keel-payment-panel')
export class KeelPaymentPanel extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      .due {
        font-size: 1.6rem;
        font-weight: 800;
      }
      ul {
        padding-left: 1.1rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
        gap: 0.5rem;
        align-items: end;
      }
      .change {
        font-size: 1.4rem;
        font-weight: 800;
        color: #14532d;
      }
    `,
  ];

  @property({ type: Number }) total = 0;
  @property() currency = 'EUR';
  @property({ type: Number }) cashRounding = 1;
  /** Tenders allowed right now (offline limits). */
  @property({ attribute: false }) allowed: readonly TenderKind[] = ['cash', 'card'];
  @state() private tenders: SaleTender[] = [];
  @state() private error = '';
  @query('#amount') private amountInput!: HTMLInputElement;

  get paid(): number {
    return this.tenders.reduce((s, t) => s + t.amount, 0);
  }

  override firstUpdated() {
    this.amountInput?.focus();
    this.amountInput?.select();
  }

  #remaining(): number {
    const left = this.total - this.paid;
    const allCash = this.tenders.every((t) => t.kind === 'cash');
    return allCash ? roundCash(left, this.cashRounding) : left;
  }

  #add(kind: TenderKind) {
    this.error = '';
    const amount = parseDecimalMoney(this.amountInput.value);
    if (amount === undefined || amount <= 0) {
      this.error = 'Enter an amount, e.g. 20.00';
      return;
    }
    const tender: SaleTender = { kind, amount };
    if (kind === 'card') {
      const ref = (this.renderRoot.querySelector('#ref') as HTMLInputElement).value.trim();
      const last4 = (this.renderRoot.querySelector('#last4') as HTMLInputElement).value.trim();
      if (!/^[A-Za-z0-9]{1,40}$/.test(ref)) {
        this.error = 'Enter the card terminal reference (letters and digits)';
        return;
      }
      if (!/^\d{4}$/.test(last4)) {
        this.error = 'Enter the last 4 digits of the card only';
        return;
      }
      if (amount > this.total - this.paid) {
        this.error = 'A card payment cannot exceed what is left to pay';
        return;
      }
      (tender as { reference?: string }).reference = `${ref}-${last4}`;
    }
    this.tenders = [...this.tenders, tender];
    const left = Math.max(this.#remaining(), 0);
    this.amountInput.value = left > 0 ? formatDecimalMoney(left) : '';
    this.amountInput.focus();
  }

  /** Enter in the amount field: take it as cash, or complete the sale once it is settled. */
  #amountKey(e: KeyboardEvent) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (settleTenders(this.total, this.tenders).ok) this.#complete();
    else this.#add('cash');
  }

  #complete() {
    const settled = settleTenders(this.total, this.tenders);
    if (!settled.ok) {
      this.error = `Short by ${formatMoney(this.total - this.paid, this.currency)}: add a payment`;
      return;
    }
    this.dispatchEvent(new CustomEvent('complete', { detail: { tenders: this.tenders, change: settled.change } }));
  }

  override render() {
    const left = this.#remaining();
    const change = this.paid > this.total ? roundCash(this.paid - this.total, this.cashRounding) : 0;
    const settled = settleTenders(this.total, this.tenders).ok;
    return html`<section class="panel" aria-labelledby="pay-h">
      <h2 id="pay-h">Payment</h2>
      <p>Total <span class="due money" data-testid="pay-total">${formatMoney(this.total, this.currency)}</span></p>
      ${
        this.cashRounding > 1
          ? html`<p>In cash: <strong class="money">${formatMoney(roundCash(this.total, this.cashRounding), this.currency)}</strong> (rounded)</p>`
          : ''
      }
      ${this.tenders.length ? html`<ul aria-label="Payments taken" data-testid="tenders">${this.tenders.map((t) => html`<li>${t.kind} ${formatMoney(t.amount, this.currency)}${t.reference ? ` · ${t.reference}` : ''}</li>`)}</ul>` : ''}
      ${
        left > 0
          ? html`<p>Left to pay <strong class="money" data-testid="left">${formatMoney(left, this.currency)}</strong></p>`
          : html`<p class="change" data-testid="change">Change ${formatMoney(change, this.currency)}</p>`
      }
      <div class="grid">
        <label for="amount">Amount<input id="amount" inputmode="decimal" autocomplete="off" .value=${formatDecimalMoney(Math.max(left, 0))}
          @keydown=${this.#amountKey} /></label>
        <button @click=${() => this.#add('cash')} ?disabled=${!this.allowed.includes('cash')}>Cash</button>
        <label for="ref">Card terminal ref.<input id="ref" autocomplete="off" /></label>
        <label for="last4">Card last 4 digits<input id="last4" inputmode="numeric" maxlength="4" autocomplete="off" /></label>
        <button @click=${() => this.#add('card')} ?disabled=${!this.allowed.includes('card')}>Card</button>
      </div>
      ${this.allowed.length < 2 ? html`<p>Offline: only ${this.allowed.join(', ')} accepted.</p>` : ''}
      <p role="alert">${this.error}</p>
      <div class="row">
        <button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Back to sale</button>
        <button @click=${this.#complete} ?disabled=${!settled} data-testid="complete">Complete sale</button>
      </div>
    </section>`;
  }
}
