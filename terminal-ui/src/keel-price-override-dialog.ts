import {
  formatDecimalMoney,
  formatMoney,
  OVERRIDE_REASON_MAX,
  OVERRIDE_REASONS,
  overrideNeedsApproval,
  overrideReductionBp,
  type PriceOverride,
  parseDecimalMoney,
} from '@keel/core';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { approvalFailure, needsManagerOffline } from './manager-approval.js';
import { terminalStyles } from './terminal-styles.js';
import { type Approval, checkApproval } from './till-session.js';

export interface OverrideDecision {
  /** undefined: back to the catalog price. */
  readonly override: PriceOverride | undefined;
  readonly approval?: Approval | undefined;
  readonly approverName?: string | undefined;
}

const OTHER = 'Other';

/**
 * Changes one line's unit price, with a reason picked or typed. When the cashier may not override
 * prices, or lowers one by more than their limit, a manager's username and PIN go with it (checked
 * at once, then carried by the sale). Emits `override` with an OverrideDecision, or `cancel`.
 */
@customElement('keel-price-override-dialog')
export class KeelPriceOverrideDialog extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
        gap: 0.6rem;
        align-items: end;
      }
      .grid input,
      .grid select {
        width: 100%;
      }
    `,
  ];

  @property() productName = '';
  @property({ type: Number }) listPrice = 0;
  @property() currency = 'EUR';
  @property({ attribute: false }) current: PriceOverride | undefined;
  @property({ type: Boolean }) mayOverride = false;
  @property({ type: Number }) limitBp = 0;
  /**
   * Offline no manager can be asked: an override that needs one is not possible. Set as a property
   * (`.online=`): a boolean attribute could never turn a default of true off.
   */
  @property({ attribute: false }) online = true;
  @state() private price: number | undefined;
  @state() private reason = OVERRIDE_REASONS[0] ?? OTHER;
  @state() private error = '';
  @query('#ov-price') private priceInput!: HTMLInputElement;

  override connectedCallback() {
    super.connectedCallback();
    this.price = this.current?.unitPrice;
    if (this.current) this.reason = OVERRIDE_REASONS.includes(this.current.reason) ? this.current.reason : OTHER;
  }

  override firstUpdated() {
    // Below the lines (on a phone, below the fold): bring it into view with the price field focused.
    this.scrollIntoView?.({ block: 'nearest' });
    this.priceInput.focus();
    this.priceInput.select();
  }

  get #needsManager() {
    return this.price !== undefined && overrideNeedsApproval(this.mayOverride, this.limitBp, this.listPrice, this.price);
  }

  #value(id: string) {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement | null)?.value.trim() ?? '';
  }

  async #apply() {
    this.error = '';
    const price = this.price;
    const reason = this.reason === OTHER ? this.#value('ov-other') : this.reason;
    if (price === undefined) return this.#fail('Enter the new price');
    if (!reason) return this.#fail('Give a reason for the new price');
    const override = { unitPrice: price, reason: reason.slice(0, OVERRIDE_REASON_MAX) };
    if (!this.#needsManager) return this.#emit({ override });
    if (!this.online) return this.#fail(needsManagerOffline('This price'));
    const approval: Approval = { username: this.#value('ov-mgr'), pin: this.#value('ov-pin') };
    if (!approval.username || !approval.pin) return this.#fail("Enter the manager's username and PIN");
    try {
      const { approverName } = await checkApproval(approval, 'price_override', overrideReductionBp(this.listPrice, price));
      this.#emit({ override, approval, approverName });
    } catch (e) {
      (this.renderRoot.querySelector('#ov-pin') as HTMLInputElement | null)?.select();
      this.error = approvalFailure(e, 'This price');
    }
  }

  #emit(detail: OverrideDecision) {
    this.dispatchEvent(new CustomEvent<OverrideDecision>('override', { detail }));
  }

  #fail(message: string): void {
    this.error = message;
  }

  override render() {
    const enter = (e: KeyboardEvent) => e.key === 'Enter' && void this.#apply();
    const needs = this.#needsManager;
    return html`<section class="panel" role="dialog" aria-modal="true" aria-labelledby="ov-h">
      <h2 id="ov-h">Change the price of ${this.productName}</h2>
      <p>Catalog price ${formatMoney(this.listPrice, this.currency)} each.</p>
      <div class="grid">
        <label for="ov-price">New unit price<input id="ov-price" inputmode="decimal" autocomplete="off"
          value=${this.current ? formatDecimalMoney(this.current.unitPrice) : ''} @keydown=${enter}
          @input=${(e: Event) => {
            this.price = parseDecimalMoney((e.target as HTMLInputElement).value);
          }} /></label>
        <label for="ov-reason">Reason<select id="ov-reason" @change=${(e: Event) => {
          this.reason = (e.target as HTMLSelectElement).value;
        }}>${[...OVERRIDE_REASONS, OTHER].map((r) => html`<option ?selected=${r === this.reason}>${r}</option>`)}</select></label>
        ${
          this.reason === OTHER
            ? html`<label for="ov-other">Other reason<input id="ov-other" maxlength=${OVERRIDE_REASON_MAX} autocomplete="off"
                .value=${this.current && !OVERRIDE_REASONS.includes(this.current.reason) ? this.current.reason : ''} @keydown=${enter} /></label>`
            : nothing
        }
      </div>
      ${
        needs && !this.online
          ? html`<p data-testid="needs-manager-offline">${needsManagerOffline(this.mayOverride ? `Lowering a price by more than ${this.limitBp / 100}%` : 'A price override')}</p>`
          : needs
            ? html`<p>${this.mayOverride ? `Lowering a price by more than ${this.limitBp / 100}% needs a manager.` : 'A price override needs a manager.'}</p>
            <div class="grid">
              <label for="ov-mgr">Manager username<input id="ov-mgr" autocomplete="off" autocapitalize="none" @keydown=${enter} /></label>
              <label for="ov-pin">Manager PIN<input id="ov-pin" type="password" inputmode="numeric" autocomplete="off" @keydown=${enter} /></label>
            </div>`
            : nothing
      }
      <p role="alert">${this.error}</p>
      <div class="row">
        <button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button>
        ${this.current ? html`<button class="secondary" @click=${() => this.#emit({ override: undefined })}>Back to catalog price</button>` : nothing}
        <button @click=${() => void this.#apply()}>Set price</button>
      </div>
    </section>`;
  }
}
