import { html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

interface UserView {
  id: number;
  username: string;
  displayName: string;
  role: string;
  storeIds: number[] | null;
  maxDiscountBp: number | null;
  hasPassword: boolean;
  hasPin: boolean;
  active: boolean;
}
interface RoleView {
  name: string;
  permissions: string[];
  maxDiscountBp: number;
  builtIn: boolean;
}

const pct = (bp: number) => `${bp / 100}%`;

/** Users and roles for owners and managers: add a person, set their limit and stores, deactivate. */
@customElement('keel-users')
export class KeelUsers extends LitElement {
  static override styles = adminStyles;

  @state() private users: UserView[] = [];
  @state() private roles: RoleView[] = [];
  @state() private error: string | null = null;
  @state() private message: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load() {
    try {
      const [users, roles] = await Promise.all([api<UserView[]>('GET', '/api/v1/users'), api<{ roles: RoleView[] }>('GET', '/api/v1/roles')]);
      this.users = users;
      this.roles = roles.roles;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async #create(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const stores = text('stores');
    const limit = text('limit');
    try {
      const u = await api<UserView>('POST', '/api/v1/users', {
        username: text('username').toLowerCase(),
        displayName: text('displayName'),
        role: text('role'),
        ...(text('password') ? { password: text('password') } : {}),
        ...(text('pin') ? { pin: text('pin') } : {}),
        ...(stores ? { storeIds: stores.split(',').map((s) => Number(s.trim())) } : {}),
        ...(limit ? { maxDiscountBp: Math.round(Number(limit) * 100) } : {}),
      });
      this.message = `${u.displayName} can now sign in.`;
      this.error = null;
      form.reset();
      await this.#load();
    } catch (err) {
      this.error = (err as Error).message;
      this.message = null;
    }
  }

  async #toggle(u: UserView) {
    try {
      await api('PATCH', `/api/v1/users/${u.id}`, { active: !u.active });
      await this.#load();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  override render() {
    const roleLimit = new Map(this.roles.map((r) => [r.name, r.maxDiscountBp]));
    return html`
      <section class="card" aria-labelledby="new-user">
        <h2 id="new-user">Add a person</h2>
        <form @submit=${this.#create}>
          <div class="grid">
            <label>Username <input name="username" required pattern="[a-z0-9._-]{2,64}" autocomplete="off" /></label>
            <label>Name <input name="displayName" required maxlength="200" /></label>
            <label
              >Role
              <select name="role" required>
                ${this.roles.map((r) => html`<option value=${r.name} ?selected=${r.name === 'cashier'}>${r.name}</option>`)}
              </select>
            </label>
            <label>Discount limit % (blank: the role's) <input name="limit" type="number" min="0" max="100" step="0.5" /></label>
            <label>Stores (blank: all) <input name="stores" placeholder="1, 2" pattern="[0-9, ]*" /></label>
            <label>Password (back office) <input name="password" type="password" minlength="10" autocomplete="new-password" /></label>
            <label>PIN (till) <input name="pin" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="off" /></label>
          </div>
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing} ${this.message ? html`<p class="ok" role="status">${this.message}</p>` : nothing}
          <button type="submit">Add person</button>
        </form>
      </section>
      <section class="card" aria-labelledby="people">
        <h2 id="people">People</h2>
        <div class="scroll">
          <table data-testid="users">
            <thead>
              <tr><th>Name</th><th>Role</th><th>Discount limit</th><th>Stores</th><th>Sign-in</th><th></th></tr>
            </thead>
            <tbody>
              ${this.users.map(
                (u) => html`<tr>
                  <td><strong>${u.displayName}</strong><br /><span class="muted">${u.username}</span></td>
                  <td>${u.role}</td>
                  <td>${pct(u.maxDiscountBp ?? roleLimit.get(u.role) ?? 0)}</td>
                  <td>${u.storeIds ? u.storeIds.join(', ') : 'all'}</td>
                  <td>${[u.hasPassword ? 'password' : '', u.hasPin ? 'PIN' : ''].filter(Boolean).join(' + ') || '—'}</td>
                  <td>
                    ${u.role === 'owner' ? nothing : html`<button class="secondary" @click=${() => this.#toggle(u)}>${u.active ? 'Deactivate' : 'Reactivate'}</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
    `;
  }
}
