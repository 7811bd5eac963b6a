import { html, LitElement } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { approvalFailure } from './manager-approval.js';
import { terminalStyles } from './terminal-styles.js';
import { type Approval, checkApproval } from './till-session.js';

/**
 * Asks a manager to approve a discount above the cashier's limit with their username and PIN,
 * checked at once; emits `approved` with `{ approval, approverName }` (the sale carries the
 * approval) or `cancel`.
 */
@customElement('keel-approval-dialog')
export class KeelApprovalDialog extends LitElement {
  static override styles = [terminalStyles];

  @property({ type: Number }) basisPoints = 0;
  @property({ type: Number }) limitBp = 0;
  @state() private error = '';
  @query('#mgr') private username!: HTMLInputElement;
  @query('#mgrpin') private pin!: HTMLInputElement;

  override firstUpdated() {
    this.username.focus();
  }

  async #approve() {
    this.error = '';
    const approval: Approval = { username: this.username.value.trim(), pin: this.pin.value };
    if (!approval.username || !approval.pin) {
      this.error = "Enter the manager's username and PIN";
      return;
    }
    try {
      const { approverName } = await checkApproval(approval, 'discount', this.basisPoints);
      this.dispatchEvent(new CustomEvent('approved', { detail: { approval, approverName } }));
    } catch (e) {
      this.pin.value = '';
      this.error = approvalFailure(e, 'This discount');
    }
  }

  override render() {
    const enter = (e: KeyboardEvent) => e.key === 'Enter' && void this.#approve();
    return html`<section class="panel" role="dialog" aria-modal="true" aria-labelledby="ap-h">
      <h2 id="ap-h">Manager approval needed</h2>
      <p>A ${this.basisPoints / 100}% discount is above your limit of ${this.limitBp / 100}%.</p>
      <div class="row">
        <label for="mgr">Manager username<input id="mgr" autocomplete="off" autocapitalize="none" @keydown=${enter} /></label>
        <label for="mgrpin">Manager PIN<input id="mgrpin" type="password" inputmode="numeric" autocomplete="off" @keydown=${enter} /></label>
      </div>
      <p role="alert">${this.error}</p>
      <div class="row">
        <button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button>
        <button @click=${() => void this.#approve()}>Approve</button>
      </div>
    </section>`;
  }
}
