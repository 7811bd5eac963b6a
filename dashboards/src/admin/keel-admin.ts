import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { type AuthState, authState, signOut, tillName } from './admin-api.js';
import { adminStyles } from './admin-styles.js';
import './keel-audit.js';
import './keel-catalog-import.js';
import './keel-exports.js';
import './keel-products.js';
import './keel-sale-flags.js';
import './keel-setup.js';
import './keel-sign-in.js';
import './keel-till.js';
import './keel-users.js';

type View = 'users' | 'audit' | 'conflicts' | 'till' | 'products' | 'import' | 'exports';
const VIEWS: readonly View[] = ['users', 'audit', 'conflicts', 'till', 'products', 'import', 'exports'];

/** The back office shell: first-run owner, sign-in, then the pages the signed-in role may use. */
@customElement('keel-admin')
export class KeelAdmin extends LitElement {
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
        border-radius: 6px;
        color: var(--keel-accent);
        font-weight: 600;
        text-decoration: none;
      }
      nav a[aria-current='page'] {
        background: var(--keel-accent);
        color: #fff;
      }
      .who {
        color: var(--keel-muted);
      }
    `,
  ];

  @state() private auth: AuthState | null = null;
  @state() private view: View = 'users';
  @state() private error: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#route);
    this.#route();
    void this.#reload();
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.#route);
    super.disconnectedCallback();
  }

  #route = () => {
    const h = location.hash.slice(1);
    this.view = (VIEWS as readonly string[]).includes(h) ? (h as View) : this.#defaultView();
  };

  #defaultView(): View {
    const p = this.auth?.user?.permissions ?? [];
    if (p.includes('users.manage')) return 'users';
    if (p.includes('sales.create')) return 'till';
    if (p.includes('catalog.write') || (p.includes('catalog.read') && !p.includes('audit.view'))) return 'products';
    return 'audit';
  }

  #reload = async () => {
    try {
      this.auth = await authState();
      this.error = null;
      if (!location.hash) this.view = this.#defaultView();
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
    if (this.auth.setupNeeded) return html`<keel-setup @signed-in=${this.#reload}></keel-setup>`;
    const user = this.auth.user;
    if (!user) return html`<keel-sign-in @signed-in=${this.#reload}></keel-sign-in>`;
    const can = (p: string) => user.permissions.includes(p);
    const link = (v: View, label: string) => html`<a href="#${v}" aria-current=${this.view === v ? 'page' : 'false'}>${label}</a>`;
    return html`
      <header>
        <h1>Keel back office</h1>
        <nav aria-label="Sections">
          ${can('users.manage') ? link('users', 'Users') : nothing} ${can('audit.view') ? link('audit', 'Audit log') : nothing}
          ${can('catalog.read') ? link('products', 'Products') : nothing} ${can('catalog.write') ? link('import', 'Import') : nothing}
          ${can('exports.run') ? link('exports', 'Exports') : nothing}
          ${can('audit.view') ? link('conflicts', 'Sale conflicts') : nothing}
          ${can('sales.create') || can('tills.enroll') ? link('till', 'Till') : nothing}
          <a href="/dashboards/">Dashboards</a>
          <span class="who" data-testid="who">${user.name} (${user.role})${user.tillId ? ` · ${tillName() ?? 'till'}` : ''}</span>
          <button class="secondary" @click=${this.#signOut}>Sign out</button>
        </nav>
      </header>
      ${this.view === 'users' && can('users.manage') ? html`<keel-users></keel-users>` : nothing}
      ${this.view === 'audit' && can('audit.view') ? html`<keel-audit></keel-audit>` : nothing}
      ${this.view === 'products' && can('catalog.read') ? html`<keel-products .user=${user}></keel-products>` : nothing}
      ${this.view === 'import' && can('catalog.write') ? html`<keel-catalog-import></keel-catalog-import>` : nothing}
      ${this.view === 'exports' && can('exports.run') ? html`<keel-exports></keel-exports>` : nothing}
      ${this.view === 'conflicts' && can('audit.view') ? html`<keel-sale-flags></keel-sale-flags>` : nothing}
      ${this.view === 'till' ? html`<keel-till .user=${user} @till-changed=${this.#reload}></keel-till>` : nothing}
    `;
  }
}
