import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SyncState } from './sale-sync.js';
import { terminalStyles } from './terminal-styles.js';

/** Who is selling where, and whether the server answers: offline is shown plainly with the sales waiting. */
@customElement('keel-status-bar')
export class KeelStatusBar extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      :host {
        background: #0f172a;
        color: #f8fafc;
        padding: 0.4rem 0.8rem;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 1rem;
        align-items: center;
        justify-content: space-between;
      }
      .pill {
        border-radius: 999px;
        padding: 0.15rem 0.7rem;
        font-weight: 700;
      }
      .online {
        background: #bbf7d0;
        color: #14532d;
      }
      .offline {
        background: #fde68a;
        color: #7c2d12;
      }
      .flag {
        background: #fecaca;
        color: #7f1d1d;
      }
    `,
  ];

  @property() storeName = '';
  @property() cashier = '';
  @property() registerId = '';
  @property({ attribute: false }) sync: SyncState | undefined;

  override render() {
    const s = this.sync;
    const waiting = s?.counts.pending ?? 0;
    const flagged = (s?.counts.conflict ?? 0) + (s?.counts.quarantined ?? 0);
    return html`<div class="bar">
      <span><strong>${this.storeName}</strong> · ${this.registerId} · ${this.cashier}</span>
      <span class="row">
        ${
          !s || s.online
            ? html`<span class="pill online" data-testid="connection">Online${waiting ? ` · ${waiting} sending` : ''}</span>`
            : html`<span class="pill offline" data-testid="connection" role="status">Offline · ${waiting} ${waiting === 1 ? 'sale' : 'sales'} waiting</span>`
        }
        ${
          flagged
            ? html`<span class="pill flag" data-testid="flagged">${s?.counts.quarantined ?? 0} quarantined · ${s?.counts.conflict ?? 0} for a manager</span>`
            : ''
        }
      </span>
    </div>`;
  }
}
