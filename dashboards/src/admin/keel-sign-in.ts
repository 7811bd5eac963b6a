import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api, tillKey, tillName } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

/** Password sign-in; at an enrolled till, a quicker PIN sign-in too. */
@customElement('keel-sign-in')
export class KeelSignIn extends LitElement {
  static override styles = [
    adminStyles,
    css`
      :host {
        max-width: 520px;
        margin: 6vh auto 0;
      }
    `,
  ];

  @state() private error: string | null = null;
  @state() private busy = false;

  async #submit(e: SubmitEvent, path: string, secret: 'password' | 'pin') {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    this.busy = true;
    try {
      await api('POST', path, { username: String(f.get('username')).trim().toLowerCase(), [secret]: String(f.get(secret)) });
      this.dispatchEvent(new CustomEvent('signed-in', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const atTill = tillKey() !== null;
    return html`
      ${this.error ? html`<p class="error card" role="alert">${this.error}</p>` : nothing}
      ${
        atTill
          ? html`<section class="card" aria-labelledby="pin-title">
            <h1 id="pin-title">${tillName() ?? 'Till'}</h1>
            <p class="muted">Cashier: sign in with your PIN.</p>
            <form @submit=${(e: SubmitEvent) => this.#submit(e, '/api/v1/auth/pin', 'pin')}>
              <div class="grid">
                <label>Username <input name="username" required autocomplete="username" /></label>
                <label>PIN <input name="pin" type="password" inputmode="numeric" required pattern="[0-9]{4,8}" autocomplete="off" /></label>
              </div>
              <button type="submit" ?disabled=${this.busy}>Sign in with PIN</button>
            </form>
          </section>`
          : nothing
      }
      <section class="card" aria-labelledby="password-title">
        ${atTill ? html`<h2 id="password-title">Or sign in with a password</h2>` : html`<h1 id="password-title">Sign in to Keel</h1>`}
        <form @submit=${(e: SubmitEvent) => this.#submit(e, '/api/v1/auth/sign-in', 'password')}>
          <label>Username <input name="username" required autocomplete="username" /></label>
          <label>Password <input name="password" type="password" required autocomplete="current-password" /></label>
          <button type="submit" ?disabled=${this.busy}>Sign in</button>
        </form>
      </section>
    `;
  }
}
