import { parseDecimalMoney } from '@keel/core';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { adminStyles } from './admin-styles.js';
import { countStock, formatQuantity, receiveStock, type StockResult } from './catalog-api.js';

const quantityMilli = (text: string) => parseDecimalMoney(text, 3);

/**
 * Receive a delivery (quantity, optional unit cost and supplier reference) and record a count: the
 * server posts the difference between what was counted and what it held as a movement.
 */
@customElement('keel-stock-forms')
export class KeelStockForms extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .forms {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
        align-items: start;
        gap: 20px;
      }
      fieldset {
        border: 1px solid var(--keel-border);
        border-radius: 8px;
        padding: 12px 16px 16px;
        display: grid;
        align-content: start;
        gap: 12px;
        min-width: 0;
      }
      legend {
        font-weight: 700;
        padding: 0 4px;
      }
    `,
  ];

  @property({ attribute: false }) productId = 0;
  @property({ attribute: false }) stores: Array<{ id: number; name: string }> = [];
  @property({ attribute: false }) canReceive = false;
  @property({ attribute: false }) canCount = false;
  @property({ attribute: false }) canSeeCost = false;
  @state() private message: { ok: boolean; text: string } | null = null;
  @state() private busy = false;

  async #post(e: SubmitEvent, send: (f: FormData, storeId: number) => Promise<StockResult> | string) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const result = send(f, Number(f.get('storeId')));
    if (typeof result === 'string') {
      this.message = { ok: false, text: result };
      return;
    }
    this.busy = true;
    try {
      const r = await result;
      this.message = {
        ok: true,
        text: `Posted ${r.movementMilli > 0 ? '+' : ''}${formatQuantity(r.movementMilli)}; now ${formatQuantity(r.onHandMilli)} on hand.`,
      };
      form.reset();
      this.dispatchEvent(new CustomEvent('stock-changed', { bubbles: true, composed: true }));
    } catch (err) {
      this.message = { ok: false, text: (err as Error).message };
    } finally {
      this.busy = false;
    }
  }

  #receive = (e: SubmitEvent) =>
    this.#post(e, (f, storeId) => {
      const q = quantityMilli(String(f.get('quantity') ?? ''));
      if (q === undefined || q <= 0) return 'Quantity received: write a number above 0, such as 12 or 2.5';
      const costText = String(f.get('unitCost') ?? '').trim();
      const unitCost = costText === '' ? undefined : parseDecimalMoney(costText);
      if (costText !== '' && unitCost === undefined) return 'Unit cost: write an amount such as 4.10, or leave it empty';
      const reference = String(f.get('reference') ?? '').trim();
      return receiveStock({
        storeId,
        productId: this.productId,
        quantityMilli: q,
        ...(unitCost !== undefined ? { unitCost } : {}),
        ...(reference ? { reference } : {}),
      });
    });

  #count = (e: SubmitEvent) =>
    this.#post(e, (f, storeId) => {
      const q = quantityMilli(String(f.get('counted') ?? ''));
      if (q === undefined) return 'Counted quantity: write the number on the shelf, 0 or more';
      return countStock({ storeId, productId: this.productId, countedMilli: q });
    });

  #storeField() {
    return html`<label
      >Store
      <select name="storeId">
        ${this.stores.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label
    >`;
  }

  override render() {
    if (!this.canReceive && !this.canCount) return html`<p class="muted">Your role may not change stock.</p>`;
    return html`
      <div class="forms">
        ${
          this.canReceive
            ? html`<form @submit=${this.#receive} data-testid="receive">
              <fieldset>
                <legend>Receive stock</legend>
                ${this.#storeField()}
                <label>Quantity received <input name="quantity" inputmode="decimal" required placeholder="12" /></label>
                ${this.canSeeCost ? html`<label>Unit cost (optional) <input name="unitCost" inputmode="decimal" placeholder="4.10" /></label>` : nothing}
                <label>Reference (optional) <input name="reference" maxlength="100" placeholder="delivery note or invoice no." /></label>
                <button type="submit" ?disabled=${this.busy}>Receive</button>
              </fieldset>
            </form>`
            : nothing
        }
        ${
          this.canCount
            ? html`<form @submit=${this.#count} data-testid="count">
              <fieldset>
                <legend>Stock count</legend>
                ${this.#storeField()}
                <label>Counted on the shelf <input name="counted" inputmode="decimal" required placeholder="10" /></label>
                <p class="muted">The difference from the stock on record is posted as a count movement.</p>
                <button type="submit" ?disabled=${this.busy}>Record count</button>
              </fieldset>
            </form>`
            : nothing
        }
      </div>
      ${this.message ? html`<p class=${this.message.ok ? 'ok' : 'error'} role=${this.message.ok ? 'status' : 'alert'} data-testid="stock-message">${this.message.text}</p>` : nothing}
    `;
  }
}
