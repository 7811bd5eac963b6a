import { formatDecimalMoney } from '@keel/core';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SignedInUser } from './admin-api.js';
import { adminStyles } from './admin-styles.js';
import { type Facet, facets, type PageStart, type Product, type ProductFilters, productPage } from './catalog-api.js';
import './keel-product-editor.js';

const FIRST: PageStart = { after: 0, offset: 0 };

/**
 * Browse the catalog a page at a time from the server (keyset pages, or the server's search when
 * there is text), filter by category, brand and active, and open a product to edit it or its stock.
 */
@customElement('keel-products')
export class KeelProducts extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .bar {
        display: grid;
        grid-template-columns: 2fr repeat(3, 1fr) auto;
        gap: 12px;
        align-items: end;
      }
      @media (max-width: 800px) {
        .bar {
          grid-template-columns: 1fr 1fr;
        }
        .bar label:first-child {
          grid-column: 1 / -1;
        }
      }
      .pager {
        display: flex;
        gap: 12px;
        align-items: center;
        justify-content: space-between;
        margin-top: 12px;
        white-space: nowrap;
      }
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover,
      tbody tr[aria-selected='true'] {
        background: #eef2ff;
      }
      .num {
        text-align: right;
        white-space: nowrap;
      }
      .off {
        color: var(--keel-danger);
        font-weight: 600;
      }
      td button {
        padding: 4px 10px;
      }
      /* On a phone a product is two short lines: SKU and name, then category, brand, price, status. */
      @media (max-width: 640px) {
        td.inline {
          display: inline-block;
          margin-right: 14px;
          vertical-align: middle;
        }
        .num {
          text-align: left;
        }
      }
    `,
  ];

  @property({ attribute: false }) user!: SignedInUser;
  @state() private items: Product[] = [];
  @state() private next: PageStart | null = null;
  @state() private page = 1;
  @state() private loading = false;
  @state() private error: string | null = null;
  @state() private categories: Facet[] = [];
  @state() private brands: Facet[] = [];
  @state() private selected: number | null = null;
  #filters: ProductFilters = { q: '', category: null, brand: null, active: null };
  /** The start of every page seen so far: Previous goes back without the server counting anything. */
  #starts: PageStart[] = [FIRST];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load(1);
    facets()
      .then((f) => {
        this.categories = f.categories;
        this.brands = f.brands;
      })
      .catch((e: Error) => {
        this.error = e.message;
      });
  }

  async #load(page: number) {
    const start = this.#starts[page - 1];
    if (!start) return;
    this.loading = true;
    try {
      const r = await productPage(this.#filters, start);
      this.items = r.items;
      this.next = r.next;
      this.page = page;
      if (r.next) this.#starts[page] = r.next;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loading = false;
    }
  }

  #apply(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const num = (k: string) => (f.get(k) ? Number(f.get(k)) : null);
    const active = String(f.get('active') ?? '');
    this.#filters = { q: String(f.get('q') ?? ''), category: num('category'), brand: num('brand'), active: active === '' ? null : active === 'true' };
    this.#starts = [FIRST];
    this.selected = null;
    void this.#load(1);
  }

  #saved(e: CustomEvent<Product>) {
    this.items = this.items.map((p) => (p.id === e.detail.id ? e.detail : p));
  }

  #label(list: Facet[], id: number | null): string {
    return id === null ? '' : (list.find((x) => x.id === id)?.label ?? `#${id}`);
  }

  override render() {
    const canEdit = this.user.permissions.includes('catalog.write');
    return html`
      <section class="card" aria-labelledby="products-title">
        <h2 id="products-title">Products</h2>
        <form class="bar" @submit=${this.#apply} data-testid="filters">
          <label>Search <input name="q" type="search" placeholder="name, SKU or barcode" /></label>
          <label
            >Category
            <select name="category">
              <option value="">All</option>
              ${this.categories.map((c) => html`<option value=${c.id}>${c.label}</option>`)}
            </select></label
          >
          <label
            >Brand
            <select name="brand">
              <option value="">All</option>
              ${this.brands.map((b) => html`<option value=${b.id}>${b.label}</option>`)}
            </select></label
          >
          <label
            >Status
            <select name="active">
              <option value="">All</option>
              <option value="true">Active</option>
              <option value="false">Inactive</option>
            </select></label
          >
          <button type="submit">Show</button>
        </form>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      </section>
      ${
        this.selected !== null
          ? html`<keel-product-editor
            .productId=${this.selected}
            .user=${this.user}
            @saved=${this.#saved}
            @close=${() => {
              this.selected = null;
            }}
          ></keel-product-editor>`
          : nothing
      }
      <section class="card">
        <div class="scroll">
          <table data-testid="products">
            <thead>
              <tr><th>SKU</th><th>Name</th><th>Category</th><th>Brand</th><th class="num">Price</th><th>Status</th><th></th></tr>
            </thead>
            <tbody>
              ${this.items.map(
                (p) => html`<tr aria-selected=${this.selected === p.id ? 'true' : 'false'} @click=${() => (this.selected = p.id)}>
                  <td><strong>${p.sku}</strong></td>
                  <td>${p.name}</td>
                  <td class="inline">${this.#label(this.categories, p.categoryId)}</td>
                  <td class="inline">${this.#label(this.brands, p.brandId)}</td>
                  <td class="num inline">${formatDecimalMoney(p.price)}</td>
                  <td class="inline">${p.active ? 'Active' : html`<span class="off">Inactive</span>`}</td>
                  <td class="inline"><button class="secondary" type="button">${canEdit ? 'Edit' : 'Open'}</button></td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${this.items.length === 0 && !this.loading ? html`<p class="muted">No product matches.</p>` : nothing}
        <div class="pager">
          <button class="secondary" type="button" ?disabled=${this.page === 1 || this.loading} @click=${() => this.#load(this.page - 1)}>← Previous</button>
          <span data-testid="page">Page ${this.page}</span>
          <button class="secondary" type="button" ?disabled=${!this.next || this.loading} @click=${() => this.#load(this.page + 1)}>Next →</button>
        </div>
      </section>
    `;
  }
}
