import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ApiError, amount, api, rememberTill, type SignedInUser, tillKey, tillName } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

interface Product {
  id: number;
  sku: string;
  name: string;
  price: number;
}
interface Sale {
  id: string;
  total: number;
  discount: number;
  changeDue: number;
}
interface PendingSale {
  body: Record<string, unknown>;
  reason: string;
}

/**
 * A deliberately small till on the sales API (the checkout PWA lives in terminal-ui): enroll this
 * browser, ring up one product with a discount, and ask a manager's PIN when the discount is over
 * the cashier's limit.
 */
@customElement('keel-till')
export class KeelTill extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .pending {
        border-color: #b45309;
        background: #fffbeb;
      }
    `,
  ];

  @property({ attribute: false }) user!: SignedInUser;
  @state() private products: Product[] = [];
  @state() private pending: PendingSale | null = null;
  @state() private error: string | null = null;
  @state() private done: Sale | null = null;
  @state() private busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.user.tillId && this.user.permissions.includes('catalog.read')) {
      api<{ items: Product[] }>('GET', '/api/v1/products?limit=200').then(
        (r) => {
          this.products = r.items;
        },
        (e) => {
          this.error = (e as Error).message;
        },
      );
    }
  }

  async #enroll(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    try {
      const t = await api<{ key: string; name: string }>('POST', '/api/v1/tills', { name: String(f.get('name')).trim(), storeId: Number(f.get('storeId')) });
      rememberTill(t.key, t.name);
      this.dispatchEvent(new CustomEvent('till-changed', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  async #post(body: Record<string, unknown>) {
    this.busy = true;
    try {
      this.done = await api<Sale>('POST', '/api/v1/sales', body);
      this.pending = null;
      this.error = null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'sale.approval_required') {
        this.pending = { body, reason: err.message };
        this.error = null;
      } else {
        this.error = (err as Error).message;
      }
    } finally {
      this.busy = false;
    }
  }

  #charge(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const product = this.products.find((p) => p.id === Number(f.get('product')));
    if (!product) return;
    const qty = Math.max(1, Math.round(Number(f.get('qty')) || 1));
    const pct = Number(f.get('discount')) || 0;
    this.done = null;
    void this.#post({
      id: crypto.randomUUID(),
      storeId: this.user.storeIds === 'all' ? 1 : (this.user.storeIds[0] ?? 1),
      lines: [
        {
          productId: product.id,
          quantityMilli: qty * 1000,
          unitPrice: product.price,
          ...(pct > 0 ? { discount: { kind: 'percent', basisPoints: Math.round(pct * 100) } } : {}),
        },
      ],
      // Cash for the undiscounted amount always settles; the server gives the change.
      tenders: [{ kind: 'cash', amount: product.price * qty }],
    });
  }

  #approve(e: SubmitEvent) {
    e.preventDefault();
    if (!this.pending) return;
    const f = new FormData(e.target as HTMLFormElement);
    void this.#post({ ...this.pending.body, approval: { username: String(f.get('manager')).trim().toLowerCase(), pin: String(f.get('pin')) } });
  }

  override render() {
    if (!tillKey()) {
      if (!this.user.permissions.includes('tills.enroll'))
        return html`<p class="card muted">This browser is not an enrolled till. Ask a manager to enroll it.</p>`;
      return html`<section class="card">
        <h2>Enroll this browser as a till</h2>
        <p class="muted">The till gets its own key, kept in this browser. Sales are accepted only from enrolled tills.</p>
        <form @submit=${this.#enroll}>
          <div class="grid">
            <label>Till name <input name="name" required maxlength="100" value="Till 1" /></label>
            <label>Store <input name="storeId" type="number" min="1" required value="1" /></label>
          </div>
          ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
          <button type="submit">Enroll this till</button>
        </form>
      </section>`;
    }
    if (!this.user.tillId) {
      return html`<p class="card muted">This browser is ${tillName()}. Sign out, then sign in here with a PIN to sell.</p>`;
    }
    return html`
      <section class="card">
        <h2>${tillName()} — new sale</h2>
        <p class="muted">Your discount limit: ${this.user.maxDiscountBp / 100}%</p>
        <form @submit=${this.#charge}>
          <div class="grid">
            <label
              >Product
              <select name="product" required>
                ${this.products.map((p) => html`<option value=${p.id}>${p.name} — ${amount(p.price)}</option>`)}
              </select>
            </label>
            <label>Quantity <input name="qty" type="number" min="1" max="999" value="1" required /></label>
            <label>Discount % <input name="discount" type="number" min="0" max="100" step="0.5" value="0" /></label>
          </div>
          <button type="submit" ?disabled=${this.busy}>Charge</button>
        </form>
      </section>
      ${
        this.pending
          ? html`<section class="card pending" aria-labelledby="approval-title">
            <h2 id="approval-title">Manager approval needed</h2>
            <p data-testid="approval-reason">${this.pending.reason}</p>
            <form @submit=${this.#approve}>
              <div class="grid">
                <label>Manager username <input name="manager" required autocomplete="off" /></label>
                <label>Manager PIN <input name="pin" type="password" inputmode="numeric" required autocomplete="off" /></label>
              </div>
              <button type="submit" ?disabled=${this.busy}>Approve</button>
            </form>
          </section>`
          : nothing
      }
      ${this.error ? html`<p class="error card" role="alert">${this.error}</p>` : nothing}
      ${
        this.done
          ? html`<p class="ok card" role="status" data-testid="sale-done">
            Sale recorded: total ${amount(this.done.total)} (discount ${amount(this.done.discount)}), change ${amount(this.done.changeDue)}
          </p>`
          : nothing
      }
    `;
  }
}
