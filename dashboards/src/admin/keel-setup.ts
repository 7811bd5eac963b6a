import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

/** First run: there are no users yet, so the person at the server creates the owner (no default password). */
@customElement('keel-setup')
export class KeelSetup extends LitElement {
  static override styles = [
    adminStyles,
    css`
      :host {
        max-width: 520px;
        margin: 8vh auto 0;
      }
    `,
  ];

  @state() private error: string | null = null;
  @state() private busy = false;

  async #submit(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    if (f.get('password') !== f.get('confirm')) {
      this.error = 'The two passwords differ.';
      return;
    }
    this.busy = true;
    try {
      const pin = String(f.get('pin') ?? '');
      await api('POST', '/api/v1/auth/setup', {
        username: String(f.get('username')),
        displayName: String(f.get('displayName')),
        password: String(f.get('password')),
        ...(pin ? { pin } : {}),
      });
      this.dispatchEvent(new CustomEvent('signed-in', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<section class="card">
      <h1>Welcome to Keel</h1>
      <p class="muted">Create the owner account. There is no default password: choose one of at least 10 characters.</p>
      <form @submit=${this.#submit}>
        <label>Username <input name="username" required pattern="[a-z0-9._-]{2,64}" autocomplete="username" /></label>
        <label>Your name <input name="displayName" required maxlength="200" autocomplete="name" /></label>
        <label>Password <input name="password" type="password" required minlength="10" autocomplete="new-password" /></label>
        <label>Password again <input name="confirm" type="password" required minlength="10" autocomplete="new-password" /></label>
        <label>PIN for approvals at the till (4–8 digits, optional) <input name="pin" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="off" /></label>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        <button type="submit" ?disabled=${this.busy}>Create owner and sign in</button>
      </form>
    </section>`;
  }
}
