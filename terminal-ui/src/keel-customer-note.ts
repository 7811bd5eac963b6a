import { SALE_NOTE_MAX } from '@keel/core';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CartCustomer } from './cart.js';
import { fieldValue } from './field-value.js';
import { type Customer, createCustomer, searchCustomers } from './terminal-api.js';
import { terminalStyles } from './terminal-styles.js';
import { ApiError } from './till-session.js';

/**
 * The customer a sale is for and a note on it: find a customer by name, e-mail, phone or code, or
 * add one at the counter (both need the server), and type a note for the receipt. Emits `customer`
 * (a CartCustomer, or null to remove) and `note` (the text).
 */
@customElement('keel-customer-note')
export class KeelCustomerNote extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      :host {
        margin-top: 0.8rem;
      }
      input,
      textarea {
        width: 100%;
        box-sizing: border-box;
      }
      textarea {
        font: inherit;
        min-height: 3.2rem;
        padding: 0.3rem 0.6rem;
        border: 1px solid #4b5563;
        border-radius: 6px;
        resize: vertical;
      }
      ul {
        list-style: none;
        margin: 0.3rem 0;
        padding: 0;
        display: grid;
        gap: 0.3rem;
      }
      ul button {
        width: 100%;
        text-align: left;
      }
      .who {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
        font-weight: 700;
      }
      .sub {
        color: #4b5563;
        font-size: 0.85rem;
        font-weight: 400;
      }
      form {
        display: grid;
        gap: 0.4rem;
        margin-top: 0.4rem;
      }
    `,
  ];

  @property({ attribute: false }) customer: CartCustomer | undefined;
  @property() note = '';
  @state() private results: Customer[] = [];
  @state() private adding = false;
  @state() private error = '';
  #seq = 0;

  async #search(q: string) {
    const seq = ++this.#seq;
    this.error = '';
    if (q.trim().length < 2) {
      this.results = [];
      return;
    }
    try {
      const { items } = await searchCustomers(q.trim());
      if (seq === this.#seq) this.results = items;
    } catch (e) {
      this.error = e instanceof ApiError && e.offline ? 'Finding a customer needs the server' : String((e as Error).message);
    }
  }

  #pick(c: CartCustomer | null) {
    this.results = [];
    this.adding = false;
    this.dispatchEvent(new CustomEvent('customer', { detail: c ? { id: c.id, name: c.name } : null }));
  }

  async #add(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    if (!text('name')) return this.#fail('Give the customer a name');
    try {
      const c = await createCustomer({
        name: text('name'),
        ...(text('email') ? { email: text('email') } : {}),
        ...(text('phone') ? { phone: text('phone') } : {}),
      });
      this.#pick(c);
    } catch (err) {
      this.error =
        err instanceof ApiError && err.offline
          ? 'Adding a customer needs the server'
          : err instanceof ApiError && err.code === 'request.invalid'
            ? 'Check the e-mail and phone number'
            : String((err as Error).message);
    }
  }

  #customer() {
    if (this.customer) {
      return html`<div class="who" data-testid="sale-customer"><span>${this.customer.name}</span>
        <button class="secondary" aria-label="Remove the customer" @click=${() => this.#pick(null)}>Remove</button></div>`;
    }
    return html`<label for="cust-q">Customer<input id="cust-q" type="search" autocomplete="off" placeholder="Name, e-mail, phone or code"
        @input=${(e: Event) => void this.#search((e.target as HTMLInputElement).value)} /></label>
      ${
        this.results.length
          ? html`<ul aria-label="Customers found">${this.results.map(
              (c) => html`<li><button class="secondary" @click=${() => this.#pick(c)}>${c.name}
                <div class="sub">${[c.email, c.phone, c.code].filter(Boolean).join(' · ')}</div></button></li>`,
            )}</ul>`
          : nothing
      }
      ${
        this.adding
          ? html`<form @submit=${this.#add} aria-label="New customer">
              <label for="nc-name">Name<input id="nc-name" name="name" maxlength="200" autocomplete="off" /></label>
              <label for="nc-email">E-mail<input id="nc-email" name="email" type="email" maxlength="254" autocomplete="off" /></label>
              <label for="nc-phone">Phone<input id="nc-phone" name="phone" type="tel" maxlength="40" autocomplete="off" /></label>
              <div class="row"><button type="button" class="secondary" @click=${() => (this.adding = false)}>Cancel</button>
              <button type="submit">Add customer</button></div></form>`
          : html`<button class="secondary" style="margin-top:.4rem" @click=${() => (this.adding = true)}>New customer</button>`
      }`;
  }

  #fail(message: string): void {
    this.error = message;
  }

  override render() {
    return html`${this.#customer()}
      <p role="alert">${this.error}</p>
      <label for="sale-note">Note on the sale<textarea id="sale-note" maxlength=${SALE_NOTE_MAX} .value=${fieldValue(this.note)}
        @change=${(e: Event) => this.dispatchEvent(new CustomEvent('note', { detail: (e.target as HTMLTextAreaElement).value }))}></textarea></label>`;
  }
}
