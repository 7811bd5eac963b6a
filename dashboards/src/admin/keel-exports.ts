import { css, html, LitElement } from 'lit';
import { customElement } from 'lit/decorators.js';
import { adminStyles } from './admin-styles.js';

interface ExportKind {
  readonly kind: 'products' | 'stock' | 'sales' | 'customers';
  readonly title: string;
  readonly what: string;
}

const KINDS: readonly ExportKind[] = [
  { kind: 'products', title: 'Products', what: 'Every product: SKU, barcodes, name, category, brand, unit, price, cost, tax class, status.' },
  { kind: 'stock', title: 'Stock on hand', what: 'Each product’s stock per store, the sum of its stock movements.' },
  { kind: 'sales', title: 'Sale lines', what: 'Every line of every sale and refund: time, business day, SKU, quantity, price, discount, tax, total.' },
  { kind: 'customers', title: 'Customers', what: 'Names and contact details. Personal data: every export of it is recorded in the audit log.' },
];

const FORMATS = [
  { format: 'csv', label: 'CSV', hint: 'spreadsheets' },
  { format: 'parquet', label: 'Parquet', hint: 'DuckDB, pandas, polars' },
  { format: 'arrow', label: 'Arrow', hint: 'Arrow IPC stream' },
] as const;

/**
 * Download the store's data: each export is streamed by the server straight from PostgreSQL (no
 * copy is built first), so a million products start arriving at once and the browser's download
 * shows the progress.
 */
@customElement('keel-exports')
export class KeelExports extends LitElement {
  static override styles = [
    adminStyles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 16px;
      }
      li {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 8px 20px;
        align-items: center;
        padding-bottom: 16px;
        border-bottom: 1px solid var(--keel-border);
      }
      li:last-child {
        border-bottom: 0;
        padding-bottom: 0;
      }
      h3 {
        margin: 0 0 4px;
        font-size: 1rem;
      }
      p {
        margin: 0;
      }
      .formats {
        display: flex;
        gap: 8px;
        flex-wrap: wrap;
      }
      a.button {
        display: inline-block;
        padding: 8px 14px;
        border-radius: 8px;
        border: 1px solid var(--keel-accent);
        color: var(--keel-accent);
        font-weight: 600;
        text-decoration: none;
        white-space: nowrap;
      }
      a.button:hover {
        background: #eef2ff;
      }
      @media (max-width: 640px) {
        li {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  override render() {
    return html`
      <section class="card" aria-labelledby="exports-title">
        <h2 id="exports-title">Exports</h2>
        <p class="muted">
          Streamed from the database as you download. CSV opens in a spreadsheet (UTF-8); Parquet and Arrow are for DuckDB,
          pandas or polars. Amounts are decimals in CSV and whole cents in Parquet and Arrow (columns ending in
          <code>_minor</code>); quantities are in thousandths (<code>quantity_milli</code>).
        </p>
      </section>
      <section class="card">
        <ul data-testid="exports">
          ${KINDS.map(
            (k) => html`<li>
              <div>
                <h3 id="export-${k.kind}">${k.title}</h3>
                <p class="muted">${k.what}</p>
              </div>
              <div class="formats" role="group" aria-labelledby="export-${k.kind}">
                ${FORMATS.map(
                  (f) =>
                    html`<a
                      class="button"
                      href="/api/v1/exports/${k.kind}?format=${f.format}"
                      download="keel-${k.kind}.${f.format}"
                      title="${k.title} as ${f.label} (${f.hint})"
                      aria-label="${k.title} as ${f.label}"
                      >${f.label}</a
                    >`,
                )}
              </div>
            </li>`,
          )}
        </ul>
      </section>
    `;
  }
}
