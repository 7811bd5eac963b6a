import { formatMoney, parseDecimalMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CashReport } from './terminal-api.js';
import { terminalStyles } from './terminal-styles.js';

/** Euro notes and coins in cents, largest first. */
export const DENOMINATIONS = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1];

/**
 * The drawer: open a session with a float, count the drawer by denomination to close it, and show
 * an X or Z report (expected vs counted, over/short). Emits `open-float`, `count`, `done`.
 */
@customElement('keel-cash-panel')
export class KeelCashPanel extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      .counts {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr));
        gap: 0.5rem;
      }
      .counts input {
        width: 100%;
      }
      dl {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.2rem 1rem;
        max-width: 28rem;
      }
      dd {
        margin: 0;
      }
    `,
  ];

  @property() mode: 'open' | 'count' | 'report' = 'open';
  @property() currency = 'EUR';
  @property({ attribute: false }) report: CashReport | undefined;
  @state() private error = '';

  #openFloat() {
    const v = parseDecimalMoney((this.renderRoot.querySelector('#float') as HTMLInputElement).value);
    if (v === undefined) {
      this.error = 'Enter the float, e.g. 150.00';
      return;
    }
    this.dispatchEvent(new CustomEvent('open-float', { detail: v }));
  }

  #count() {
    const counts: Record<string, number> = {};
    for (const d of DENOMINATIONS) {
      const raw = (this.renderRoot.querySelector(`#d${d}`) as HTMLInputElement).value.trim();
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) {
        this.error = `How many ${formatMoney(d, this.currency)}? Enter a whole number`;
        return;
      }
      if (n > 0) counts[String(d)] = n;
    }
    this.dispatchEvent(new CustomEvent('count', { detail: counts }));
  }

  override render() {
    const m = (v: number) => formatMoney(v, this.currency);
    if (this.mode === 'open') {
      return html`<section class="panel" aria-labelledby="o-h"><h2 id="o-h">Open the till</h2>
        <label for="float">Opening float<input id="float" inputmode="decimal" autocomplete="off"
          @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.#openFloat()} /></label>
        <p role="alert">${this.error}</p>
        <button @click=${this.#openFloat}>Open cash session</button></section>`;
    }
    if (this.mode === 'count') {
      return html`<section class="panel" aria-labelledby="c-h"><h2 id="c-h">Count the drawer</h2>
        <div class="counts">${DENOMINATIONS.map((d) => html`<label for="d${d}">${m(d)}<input id="d${d}" inputmode="numeric" autocomplete="off" /></label>`)}</div>
        <p role="alert">${this.error}</p>
        <div class="row"><button class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('done'))}>Back</button>
        <button @click=${this.#count}>Close session (Z report)</button></div></section>`;
    }
    const r = this.report;
    if (!r) return html``;
    return html`<section class="panel" aria-labelledby="r-h" data-testid="report"><h2 id="r-h">${r.kind} report</h2>
      <dl>
        <dt>Sales</dt><dd data-testid="report-sales">${r.sales}</dd>
        <dt>Refunds</dt><dd data-testid="report-refunds">${r.refunds}</dd>
        <dt>Discounts</dt><dd class="money">${m(r.discount)}</dd>
        <dt>Tax</dt><dd class="money">${m(r.tax)}</dd>
        <dt>Total</dt><dd class="money" data-testid="report-total">${m(r.total)}</dd>
        ${Object.entries(r.tenders).map(([k, v]) => html`<dt>${k}</dt><dd class="money" data-testid="report-${k}">${m(v)}</dd>`)}
        <dt>Opening float</dt><dd class="money">${m(r.openingFloat)}</dd>
        <dt>Expected in drawer</dt><dd class="money" data-testid="report-expected">${m(r.expectedCash)}</dd>
        ${
          r.counted !== undefined
            ? html`<dt>Counted</dt><dd class="money" data-testid="report-counted">${m(r.counted)}</dd>
              <dt>Over / short</dt><dd class="money" data-testid="report-overshort">${m(r.overShort ?? 0)}</dd>`
            : ''
        }
      </dl>
      <button @click=${() => this.dispatchEvent(new CustomEvent('done'))}>${r.kind === 'Z' ? 'Open a new session' : 'Back to selling'}</button></section>`;
  }
}
