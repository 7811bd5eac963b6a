import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  actorName: string | null;
  action: string;
  subject: string | null;
  detail: unknown;
}
interface Verification {
  ok: boolean;
  entries: number;
  brokenAt?: { id: number; reason: string };
}

/** Search the audit log (newest first) and check its hash chain. */
@customElement('keel-audit')
export class KeelAudit extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
        align-items: end;
      }
      .bar label {
        flex: 1 1 180px;
      }
      code {
        font-size: 0.85rem;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .chain {
        font-weight: 600;
        margin-bottom: 8px;
      }
      .nowrap {
        white-space: nowrap;
        overflow-wrap: normal;
      }
    `,
  ];

  @state() private rows: AuditRow[] = [];
  @state() private verification: Verification | null = null;
  @state() private error: string | null = null;
  #query = { q: '', action: '' };

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#search();
  }

  async #search(e?: SubmitEvent) {
    e?.preventDefault();
    if (e) {
      const f = new FormData(e.target as HTMLFormElement);
      this.#query = { q: String(f.get('q') ?? '').trim(), action: String(f.get('action') ?? '').trim() };
    }
    const params = new URLSearchParams({ limit: '200' });
    if (this.#query.q) params.set('q', this.#query.q);
    if (this.#query.action) params.set('action', this.#query.action);
    try {
      [this.rows, this.verification] = await Promise.all([api<AuditRow[]>('GET', `/api/v1/audit?${params}`), api<Verification>('GET', '/api/v1/audit/verify')]);
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    const v = this.verification;
    return html`
      <section class="card" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit log</h2>
        ${
          v
            ? html`<p class="chain ${v.ok ? 'ok' : 'error'}" data-testid="chain">
              ${v.ok ? `Hash chain intact (${v.entries} entries)` : `Hash chain BROKEN at entry ${v.brokenAt?.id} — the log was tampered with`}
            </p>`
            : nothing
        }
        <form class="bar" @submit=${this.#search}>
          <label>Search <input name="q" placeholder="user, sale id, text…" /></label>
          <label>Action starts with <input name="action" placeholder="sale., auth., user." /></label>
          <button type="submit">Search</button>
        </form>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      </section>
      <section class="card">
        <div class="scroll">
          <table data-testid="audit">
            <thead>
              <tr><th>When</th><th class="nowrap">Who</th><th>What</th><th>Subject</th><th>Detail</th></tr>
            </thead>
            <tbody>
              ${this.rows.map(
                (r) => html`<tr>
                  <td>${new Date(r.at).toLocaleString()}</td>
                  <td class="nowrap">${r.actorName ?? r.actor}</td>
                  <td><strong>${r.action}</strong></td>
                  <td>${r.subject ?? ''}</td>
                  <td><code>${r.detail === null ? '' : JSON.stringify(r.detail)}</code></td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
    `;
  }
}
