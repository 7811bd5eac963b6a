import { html, LitElement } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { terminalStyles } from './terminal-styles.js';
import { ApiError, type Approval, requestManagerApproval } from './till-session.js';

/** Asks a manager to approve a discount above the cashier's limit; emits `approved` or `cancel`. */
@customElement('keel-approval-dialog')
export class KeelApprovalDialog extends LitElement {
  static override styles = [terminalStyles];

  @property() saleId = '';
  @property({ type: Number }) basisPoints = 0;
  @property({ type: Number }) limitBp = 0;
  @state() private error = '';
  @query('#code') private code!: HTMLInputElement;

  override firstUpdated() {
    this.code.focus();
  }

  async #approve() {
    this.error = '';
    try {
      const approval: Approval = await requestManagerApproval(this.code.value, this.saleId, this.basisPoints, 'discount above cashier limit');
      this.dispatchEvent(new CustomEvent('approved', { detail: approval }));
    } catch (e) {
      this.error = e instanceof ApiError && e.status === 401 ? 'That manager code is not valid' : e instanceof ApiError ? e.message : String(e);
    }
  }

  override render() {
    return html`<section class="panel" role="dialog" aria-modal="true" aria-labelledby="ap-h">
      <h2 id="ap-h">Manager approval needed</h2>
      <p>A ${this.basisPoints / 100}% discount is above your limit of ${this.limitBp / 100}%.</p>
      <label for="code">Manager code<input id="code" type="password" autocomplete="off"
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void this.#approve()} /></label>
      <p role="alert">${this.error}</p>
      <div class="row">
        <button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button>
        <button @click=${() => void this.#approve()}>Approve</button>
      </div>
    </section>`;
  }
}
