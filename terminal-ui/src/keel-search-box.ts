import { formatMoney } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { ProductSearch } from './product-catalog.js';
import type { CatalogProduct } from './terminal-api.js';
import { terminalStyles } from './terminal-styles.js';

/** Type-ahead by name or SKU (a code typed in full and Enter works too); emits `pick` with the product. */
@customElement('keel-search-box')
export class KeelSearchBox extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      :host {
        position: relative;
      }
      input {
        width: 100%;
      }
      ul {
        position: absolute;
        z-index: 5;
        left: 0;
        right: 0;
        margin: 0;
        padding: 0;
        list-style: none;
        background: #fff;
        border: 1px solid #4b5563;
        border-radius: 6px;
        max-height: 50vh;
        overflow: auto;
      }
      li {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        padding: 0.6rem;
        cursor: pointer;
      }
      li[aria-selected='true'] {
        background: #dbeafe;
      }
    `,
  ];

  @property({ attribute: false }) catalog: ProductSearch | undefined;
  @property() currency = 'EUR';
  @state() private results: CatalogProduct[] = [];
  @state() private active = 0;
  @query('input') private input!: HTMLInputElement;

  override focus() {
    this.input?.focus();
  }

  #pick(p: CatalogProduct | undefined) {
    if (!p) return;
    this.dispatchEvent(new CustomEvent('pick', { detail: p, bubbles: true, composed: true }));
    this.#asked++;
    this.input.value = '';
    this.results = [];
  }

  #asked = 0;
  #searching: Promise<void> = Promise.resolve();

  /** Ask the catalog as the cashier types; an answer to older text than the latest is dropped. */
  #onInput() {
    const asked = ++this.#asked;
    const text = this.input.value;
    this.#searching = (this.catalog?.search(text, 8) ?? Promise.resolve([])).then(
      (results) => {
        if (asked !== this.#asked) return;
        this.results = results;
        this.active = 0;
      },
      () => undefined,
    );
  }

  async #onEnter() {
    const text = this.input.value.trim();
    if (!text) return;
    await this.#searching;
    const exact = await this.catalog?.byCode(text).catch(() => undefined);
    if (exact || this.results.length === 0) {
      this.#asked++;
      this.dispatchEvent(new CustomEvent('code', { detail: text, bubbles: true, composed: true }));
      this.input.value = '';
      this.results = [];
    } else {
      this.#pick(this.results[this.active]);
    }
  }

  #onKey(e: KeyboardEvent) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = this.results.length;
      if (n) this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void this.#onEnter();
    } else if (e.key === 'Escape') {
      this.results = [];
    }
  }

  override render() {
    return html`<label for="q">Scan or search (name, SKU, code)</label>
      <input id="q" type="search" autocomplete="off" role="combobox" aria-expanded=${this.results.length > 0} aria-controls="results"
        aria-activedescendant=${this.results.length ? `r${this.active}` : ''} @input=${this.#onInput} @keydown=${this.#onKey} />
      ${
        this.results.length
          ? html`<ul id="results" role="listbox" aria-label="Matching products">
            ${this.results.map(
              (p, i) => html`<li id="r${i}" role="option" aria-selected=${i === this.active} @click=${() => this.#pick(p)}>
                <span>${p.name} <small>${p.sku}</small></span><span class="money">${formatMoney(p.price, this.currency)}</span>
              </li>`,
            )}
          </ul>`
          : ''
      }`;
  }
}
