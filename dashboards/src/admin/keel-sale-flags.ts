import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { amount, api } from './admin-api.js';
import { adminStyles } from './admin-styles.js';

interface SaleFlag {
  id: number;
  kind: 'price_changed' | 'product_retired' | 'stock_negative' | 'tax_changed' | 'approval_missing';
  saleId: string;
  storeId: number;
  productId: number;
  sku: string;
  name: string;
  tillPrice: number | null;
  serverPrice: number | null;
  onHandMilli: number | null;
  tillTaxBp: number | null;
  serverTaxBp: number | null;
  approvalBp: number | null;
  flaggedAt: string;
  occurredAt: string;
  registerId: string | null;
  cashierName: string | null;
  total: number;
}

const KIND: Record<SaleFlag['kind'], string> = {
  price_changed: 'Price changed',
  product_retired: 'Product retired',
  stock_negative: 'Stock went negative',
  tax_changed: 'Tax rate changed',
  approval_missing: 'Manager approval missing',
};

const rate = (bp: number | null) => (bp === null ? 'none' : `${bp / 100}%`);

/**
 * Sales the tills took offline (or sent again after a send that had no answer) that the server
 * accepted with a difference: the till's price or tax rate beside the server's, a product retired
 * meanwhile, stock gone below zero, a manager's approval that never arrived. Newest first; for a manager.
 */
@customElement('keel-sale-flags')
export class KeelSaleFlags extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .nowrap {
        white-space: nowrap;
      }
      .id {
        font-size: 0.8rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() private rows: SaleFlag[] | null = null;
  @state() private error: string | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load() {
    try {
      this.rows = (await api<{ items: SaleFlag[] }>('GET', '/api/v1/sale-flags?limit=200')).items;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  #what(f: SaleFlag) {
    if (f.kind === 'stock_negative') return `on hand after the sale: ${(f.onHandMilli ?? 0) / 1000}`;
    if (f.kind === 'product_retired') return `sold at ${amount(f.tillPrice ?? 0)}`;
    if (f.kind === 'tax_changed') return `till ${rate(f.tillTaxBp)} · now ${rate(f.serverTaxBp)}`;
    if (f.kind === 'approval_missing') {
      if (f.approvalBp === null) return 'refund without approval';
      const price = f.tillPrice !== null && f.serverPrice !== null ? ` (${amount(f.tillPrice)} · list ${amount(f.serverPrice)})` : '';
      return `${rate(f.approvalBp)} off, not approved${price}`;
    }
    return `till ${amount(f.tillPrice ?? 0)} · now ${amount(f.serverPrice ?? 0)}`;
  }

  override render() {
    return html`
      <section class="card" aria-labelledby="flags-title">
        <h2 id="flags-title">Offline sale conflicts</h2>
        <p class="muted">Sales taken while a till could not reach the server, or sent again after a send that had no answer,
          are kept at the till's prices and tax (the customer paid them). Each difference found when they arrived is listed here.</p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${this.rows?.length === 0 ? html`<p data-testid="no-flags">No conflicts.</p>` : nothing}
      </section>
      ${
        this.rows?.length
          ? html`<section class="card"><div class="scroll"><table data-testid="sale-flags">
          <thead><tr><th>Sale time</th><th>Conflict</th><th>Product</th><th>Prices / tax / stock</th><th>Till · cashier</th><th>Sale</th></tr></thead>
          <tbody>${this.rows.map(
            (f) => html`<tr>
              <td class="nowrap">${new Date(f.occurredAt).toLocaleString()}</td>
              <td><strong>${KIND[f.kind]}</strong></td>
              <td>${f.name} <span class="muted">${f.sku}</span></td>
              <td class="nowrap">${this.#what(f)}</td>
              <td>${f.registerId ?? ''} · ${f.cashierName ?? ''}</td>
              <td class="id">${amount(f.total)} · ${f.saleId}</td>
            </tr>`,
          )}</tbody></table></div></section>`
          : nothing
      }
    `;
  }
}
