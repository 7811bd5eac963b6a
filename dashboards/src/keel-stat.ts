import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';

/** One figure on a card: a label, a big value and an optional sub-line. */
@customElement('keel-stat')
export class KeelStat extends LitElement {
  static override styles = css`
    :host {
      display: block;
      background: var(--keel-card-bg, #fff);
      border: 1px solid var(--keel-border, #d8dde6);
      border-radius: 12px;
      padding: 12px 18px 14px;
      min-width: 0;
    }
    .label {
      font-size: 0.95rem;
      font-weight: 600;
      letter-spacing: 0.02em;
      text-transform: uppercase;
      color: var(--keel-muted, #4a5568);
    }
    .value {
      margin-top: 2px;
      font-size: 2.5rem;
      font-weight: 700;
      line-height: 1.1;
      color: var(--keel-ink, #111827);
      font-variant-numeric: tabular-nums;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .sub {
      margin-top: 4px;
      font-size: 0.95rem;
      color: var(--keel-muted, #4a5568);
      font-variant-numeric: tabular-nums;
    }
  `;

  @property() label = '';
  @property() value = '';
  @property() sub = '';
  /** Put on the value as `data-testid`, for browser tests. */
  @property() testid?: string;

  override render() {
    return html`
      <div class="label">${this.label}</div>
      <div class="value" data-testid=${ifDefined(this.testid)} title=${this.value}>${this.value}</div>
      ${this.sub ? html`<div class="sub">${this.sub}</div>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-stat': KeelStat;
  }
}
