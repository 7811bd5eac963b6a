import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { type AuthState, authState, signOut } from '../admin/admin-api.js';
import { adminStyles } from '../admin/admin-styles.js';
import '../admin/keel-sign-in.js';
import './keel-files.js';

/** The files page shell: sign-in, then the file browser for people with files.use. */
@customElement('keel-files-app')
export class KeelFilesApp extends LitElement {
  static override styles = [
    adminStyles,
    css`
      :host {
        max-width: 1100px;
        margin: 0 auto;
        padding: 16px 20px 32px;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
        margin-bottom: 16px;
      }
      nav {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
      }
      nav a {
        padding: 8px 12px;
        color: var(--keel-accent);
        font-weight: 600;
        text-decoration: none;
      }
      .who {
        color: var(--keel-muted);
      }
    `,
  ];

  @state() private auth: AuthState | null = null;
  @state() private error: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#reload();
  }

  #reload = async () => {
    try {
      this.auth = await authState();
    } catch (e) {
      this.error = (e as Error).message;
    }
  };

  async #signOut() {
    await signOut();
    await this.#reload();
  }

  override render() {
    if (this.error) return html`<p class="error" role="alert">${this.error}</p>`;
    if (!this.auth) return html`<p class="muted">Loading…</p>`;
    const user = this.auth.user;
    if (!user) return html`<keel-sign-in @signed-in=${this.#reload}></keel-sign-in>`;
    return html`
      <header>
        <h1>Files</h1>
        <nav aria-label="Sections">
          <a href="/dashboards/">Dashboards</a>
          <a href="/dashboards/admin/">Back office</a>
          <span class="who" data-testid="who">${user.name} (${user.role})</span>
          <button class="secondary" @click=${this.#signOut}>Sign out</button>
        </nav>
      </header>
      ${user.permissions.includes('files.use') ? html`<keel-files></keel-files>` : html`<p class="card error">Your role does not include files.</p>`}
      ${nothing}
    `;
  }
}
