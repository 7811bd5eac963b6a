import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Weekday x hour grid, darker where more was sold; hours without any sale in the week are left out. */
@customElement('keel-heatmap')
export class KeelHeatmap extends LitElement {
  static override styles = css`
    :host {
      display: block;
      overflow-x: auto;
    }
    .grid {
      display: grid;
      gap: 2px;
      font-size: 0.8rem;
      color: #374151;
      min-width: 0;
    }
    .cell {
      border-radius: 3px;
      min-height: 22px;
    }
    .head {
      text-align: center;
      font-variant-numeric: tabular-nums;
    }
    .day {
      font-weight: 600;
      padding-right: 6px;
      align-self: center;
    }
  `;

  /** revenue[weekday 0..6][hour 0..23] */
  @property({ attribute: false }) values: number[][] = [];
  @property({ attribute: false }) format: (v: number) => string = String;

  override render() {
    const hours = Array.from({ length: 24 }, (_, h) => h).filter((h) => this.values.some((row) => (row[h] ?? 0) !== 0));
    if (hours.length === 0) return html`<p>No sales in this range.</p>`;
    const max = Math.max(1, ...this.values.flat());
    return html`
      <div class="grid" style="grid-template-columns: 3em repeat(${hours.length}, minmax(14px, 1fr))" role="table" aria-label="Revenue by weekday and hour">
        <span></span>
        ${hours.map((h) => html`<span class="head">${h % 2 === 0 || hours.length < 13 ? String(h).padStart(2, '0') : ''}</span>`)}
        ${this.values.map(
          (row, d) => html`
            <span class="day">${DAYS[d]}</span>
            ${hours.map((h) => {
              const v = row[h] ?? 0;
              const a = v <= 0 ? 0.04 : 0.12 + 0.88 * (v / max);
              return html`<span class="cell" style="background: rgba(29, 78, 216, ${a.toFixed(3)})" title="${DAYS[d]} ${String(h).padStart(2, '0')}:00 · ${this.format(v)}"></span>`;
            })}
          `,
        )}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-heatmap': KeelHeatmap;
  }
}
