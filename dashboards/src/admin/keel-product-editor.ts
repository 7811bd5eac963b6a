import { formatDecimalMoney, parseDecimalMoney } from '@keel/core';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { ApiError, api, type SignedInUser } from './admin-api.js';
import { adminStyles } from './admin-styles.js';
import { formatQuantity, getProduct, type Product, type ProductChanges, productStock, type StockLevel, updateProduct } from './catalog-api.js';
import './keel-stock-forms.js';

/**
 * One product: an edit form that saves only over the version it was opened at (another person's
 * edit is never silently overwritten: the conflict is shown and the form reloads on request), the
 * stock on hand per store, and the forms to receive and count stock.
 */
@customElement('keel-product-editor')
export class KeelProductEditor extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .head {
        display: flex;
        justify-content: space-between;
        gap: 12px;
        align-items: start;
      }
      .conflict {
        border: 2px solid var(--keel-danger);
        border-radius: 8px;
        padding: 12px;
        display: grid;
        gap: 8px;
        margin-bottom: 12px;
      }
      .check {
        display: flex;
        gap: 8px;
        align-items: center;
        font-weight: 600;
      }
      .actions {
        display: flex;
        gap: 12px;
        flex-wrap: wrap;
        align-items: center;
      }
      .onhand {
        font-size: 1.1rem;
      }
    `,
  ];

  @property({ attribute: false }) productId = 0;
  @property({ attribute: false }) user!: SignedInUser;
  @state() private product: Product | null = null;
  @state() private stock: StockLevel[] = [];
  @state() private stores: Array<{ id: number; name: string }> = [];
  @state() private error: string | null = null;
  @state() private conflict: string | null = null;
  @state() private saved: string | null = null;
  @state() private busy = false;
  /** Bumped on every reload: the form is rebuilt from the product, dropping what was typed. */
  @state() private loads = 0;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('productId')) void this.#reload();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('productId')) this.scrollIntoView({ block: 'start' });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadStores();
  }

  async #loadStores() {
    const ids = this.user.storeIds;
    if (ids !== 'all') {
      this.stores = ids.map((id) => ({ id, name: `Store ${id}` }));
      return;
    }
    try {
      this.stores = await api<Array<{ id: number; name: string }>>('GET', '/api/v1/stores');
    } catch {
      this.stores = [{ id: 1, name: 'Store 1' }];
    }
  }

  #reload = async () => {
    try {
      [this.product, this.stock] = await Promise.all([getProduct(this.productId), productStock(this.productId)]);
      this.conflict = null;
      this.error = null;
      this.loads++;
    } catch (e) {
      this.error = (e as Error).message;
    }
  };

  async #save(e: SubmitEvent) {
    e.preventDefault();
    const p = this.product;
    if (!p) return;
    const f = new FormData(e.target as HTMLFormElement);
    const changes: ProductChanges = {};
    const name = String(f.get('name') ?? '').trim();
    if (name !== p.name) changes.name = name;
    const price = parseDecimalMoney(String(f.get('price') ?? ''));
    if (price === undefined) {
      this.error = 'Price: write an amount such as 12.90';
      return;
    }
    if (price !== p.price) changes.price = price;
    if (p.cost !== undefined) {
      const cost = parseDecimalMoney(String(f.get('cost') ?? ''));
      if (cost === undefined) {
        this.error = 'Cost: write an amount such as 4.10';
        return;
      }
      if (cost !== p.cost) changes.cost = cost;
    }
    const active = f.get('active') === 'on';
    if (active !== p.active) changes.active = active;
    this.saved = null;
    this.error = null;
    if (Object.keys(changes).length === 0) {
      this.saved = 'Nothing to save: no field was changed.';
      return;
    }
    this.busy = true;
    try {
      this.product = await updateProduct(p.id, p.version, changes);
      this.saved = `Saved (version ${this.product.version}).`;
      this.dispatchEvent(new CustomEvent('saved', { detail: this.product, bubbles: true, composed: true }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'product.version_conflict')
        this.conflict = `Someone else changed this product after you opened it (it is now at version ${String(err.body.currentVersion)}). Your changes were NOT saved. Reload to see the current product, then make your change again.`;
      else this.error = (err as Error).message;
    } finally {
      this.busy = false;
    }
  }

  #storeName(id: number): string {
    return this.stores.find((x) => x.id === id)?.name ?? `Store ${id}`;
  }

  #stockChanged = async () => {
    this.stock = await productStock(this.productId);
  };

  override render() {
    const p = this.product;
    if (!p)
      return html`<section class="card">${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p class="muted">Loading…</p>`}</section>`;
    const can = (x: string) => this.user.permissions.includes(x);
    const readOnly = !can('catalog.write');
    return html`
      <section class="card" aria-labelledby="edit-title" data-testid="editor">
        <div class="head">
          <h2 id="edit-title">${p.sku} · ${p.name}</h2>
          <button class="secondary" type="button" @click=${() => this.dispatchEvent(new CustomEvent('close'))}>Close</button>
        </div>
        ${
          this.conflict
            ? html`<div class="conflict" role="alert" data-testid="conflict">
              <p class="error">${this.conflict}</p>
              <button type="button" @click=${this.#reload}>Reload product</button>
            </div>`
            : nothing
        }
        ${keyed(
          `${this.loads}:${p.version}`,
          html`<form @submit=${this.#save}>
          <div class="grid">
            <label>Name <input name="name" required maxlength="200" .value=${p.name} ?disabled=${readOnly} /></label>
            <label>Price <input name="price" inputmode="decimal" required .value=${formatDecimalMoney(p.price)} ?disabled=${readOnly} /></label>
            ${
              p.cost !== undefined
                ? html`<label>Cost <input name="cost" inputmode="decimal" required .value=${formatDecimalMoney(p.cost)} ?disabled=${readOnly} /></label>`
                : nothing
            }
          </div>
          <label class="check"><input type="checkbox" name="active" .checked=${p.active} ?disabled=${readOnly} /> Active (sold at the tills)</label>
          <div class="actions">
            ${readOnly ? nothing : html`<button type="submit" ?disabled=${this.busy || this.conflict !== null}>Save changes</button>`}
            <span class="muted">Version ${p.version}</span>
          </div>
          ${this.saved ? html`<p class="ok" role="status">${this.saved}</p>` : nothing}
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        </form>`,
        )}
      </section>
      <section class="card" aria-labelledby="stock-title">
        <h2 id="stock-title">Stock</h2>
        <p class="onhand" data-testid="on-hand">
          ${
            this.stock.length === 0
              ? 'No stock movement yet: 0 on hand.'
              : this.stock.map((s) => html`<span>${this.#storeName(s.storeId)}: <strong>${formatQuantity(s.onHandMilli)}</strong> on hand</span> `)
          }
        </p>
        <keel-stock-forms
          .productId=${p.id}
          .stores=${this.stores}
          .canReceive=${can('stock.receive')}
          .canCount=${can('stock.adjust')}
          .canSeeCost=${p.cost !== undefined}
          @stock-changed=${this.#stockChanged}
        ></keel-stock-forms>
      </section>
    `;
  }
}
