import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/** Labelled horizontal bars with their value and share: category and tender mix. */
@customElement('keel-bar-list')
export class KeelBarList extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 8px;
    }
    .row {
      display: flex;
      justify-content: space-between;
      gap: 8px;
      font-size: 0.95rem;
      font-variant-numeric: tabular-nums;
    }
    .name {
      font-weight: 600;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .bar {
      height: 10px;
      border-radius: 5px;
      background: #e5e7eb;
      margin-top: 3px;
    }
    .bar span {
      display: block;
      height: 100%;
      border-radius: 5px;
      background: #1d4ed8;
    }
  `;

  @property({ attribute: false }) names: string[] = [];
  @property({ attribute: false }) values: number[] = [];
  @property({ attribute: false }) format: (v: number) => string = String;

  override render() {
    const total = this.values.reduce((s, v) => s + Math.max(0, v), 0);
    const max = Math.max(1, ...this.values);
    if (this.values.length === 0) return html`<p>Nothing in this range.</p>`;
    return html`<ol>
      ${this.names.map((n, i) => {
        const v = this.values[i] ?? 0;
        return html`<li>
          <div class="row"><span class="name">${n}</span><span>${this.format(v)} · ${total > 0 ? Math.round((100 * v) / total) : 0}%</span></div>
          <div class="bar"><span style="width:${Math.max(0, (100 * v) / max).toFixed(1)}%"></span></div>
        </li>`;
      })}
    </ol>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-bar-list': KeelBarList;
  }
}
