import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { forgetCatalog } from './terminal-boot.js';
import { terminalStyles } from './terminal-styles.js';
import { ApiError, enrollThisTill, signInWithPin, tillName } from './till-session.js';

/**
 * How a person gets to the till: a manager enrolls the browser once with their password
 * (`mode="enroll"`), then cashiers sign in and take over by PIN (`mode="pin"`). What to say goes up
 * as `say` (the terminal shows it as `message`); success as `enrolled` or `signed-in`; `back` when
 * the cashier still signed in returns to the sale.
 */
@customElement('keel-till-sign-in')
export class KeelTillSignIn extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      form.signin {
        box-sizing: border-box;
        max-width: 24rem;
        width: 100%;
        margin: 2rem auto;
        display: grid;
        gap: 0.7rem;
      }
      form.signin input {
        width: 100%;
        box-sizing: border-box;
      }
      form.signin button {
        min-height: 48px;
      }
    `,
  ];

  @property() mode: 'enroll' | 'pin' = 'pin';
  @property() message = '';
  /** The till is already selling: the PIN form says another cashier takes over. */
  @property({ type: Boolean }) selling = false;
  /** Someone is still signed in here: they may go back to the sale. */
  @property({ type: Boolean }) canGoBack = false;

  override updated(changed: Map<string, unknown>) {
    // Keyboard-first: the first field has the focus.
    if (changed.has('mode')) (this.renderRoot.querySelector(this.mode === 'enroll' ? '#mgr-user' : '#pin-user') as HTMLElement | null)?.focus();
  }

  #field(id: string): string {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement | null)?.value ?? '';
  }

  #say(message: string) {
    this.dispatchEvent(new CustomEvent('say', { detail: message }));
  }

  async #enroll(e: Event) {
    e.preventDefault();
    const name = this.#field('till-name').trim();
    if (!name) return this.#say('Give this till a name');
    this.#say('');
    try {
      await enrollThisTill(this.#field('mgr-user'), this.#field('mgr-password'), name);
      // A newly enrolled till (perhaps to another server) downloads its catalog afresh at the next boot.
      await forgetCatalog();
      this.dispatchEvent(new CustomEvent('enrolled'));
    } catch (err) {
      this.#say(err instanceof ApiError && err.status === 401 ? 'Wrong username or password' : String((err as Error).message));
    }
  }

  async #pinSignIn(e: Event) {
    e.preventDefault();
    try {
      await signInWithPin(this.#field('pin-user'), this.#field('pin'));
    } catch (err) {
      (this.renderRoot.querySelector('#pin') as HTMLInputElement | null)?.select();
      return this.#say(
        err instanceof ApiError && err.code === 'till.required'
          ? 'This till is no longer enrolled: a manager must enroll it again'
          : err instanceof ApiError && !err.offline
            ? err.message
            : 'The server cannot be reached: signing in needs it',
      );
    }
    this.dispatchEvent(new CustomEvent('signed-in'));
  }

  override render() {
    if (this.mode === 'enroll') {
      return html`<form class="panel signin" @submit=${this.#enroll} aria-labelledby="en-h"><h2 id="en-h">Enroll this till</h2>
        <p>A manager signs in once to make this browser a till of the store.</p>
        <label for="mgr-user">Manager username<input id="mgr-user" autocomplete="username" autocapitalize="none" /></label>
        <label for="mgr-password">Password<input id="mgr-password" type="password" autocomplete="current-password" /></label>
        <label for="till-name">Till name<input id="till-name" autocomplete="off" value="Till 1" /></label>
        <button type="submit">Enroll this till</button><p role="alert">${this.message}</p></form>`;
    }
    return html`<form class="panel signin" @submit=${this.#pinSignIn} aria-labelledby="pin-h"><h2 id="pin-h">${tillName()}</h2>
      <p>Sign in with your PIN${this.selling ? ' (another cashier takes over the till)' : ''}.</p>
      <label for="pin-user">Username<input id="pin-user" autocomplete="username" autocapitalize="none" /></label>
      <label for="pin">PIN<input id="pin" type="password" inputmode="numeric" autocomplete="off" /></label>
      <button type="submit">Sign in</button>
      ${this.canGoBack ? html`<button type="button" class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('back'))}>Back to the sale</button>` : ''}
      <p role="alert">${this.message}</p></form>`;
  }
}
