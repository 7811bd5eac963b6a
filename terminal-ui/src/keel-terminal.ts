import { type CartTotals, formatMoney, type SaleTender } from '@keel/core';
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { parseScan } from './barcode.js';
import { addLine, type Cart, largestDiscountBp, newCart, saleRequest, totalsOf, updateLine, voidLine } from './cart.js';
import type { LineChange } from './keel-cart-view.js';
import type { OverrideDecision } from './keel-price-override-dialog.js';
import type { Receipt } from './keel-receipt-view.js';
import type { RefundRequest } from './keel-refund-panel.js';
import type { SaleAction } from './keel-sale-totals.js';
import { listenForScans } from './keyboard-wedge.js';
import { kvGet, kvSet, persistStorage } from './local-store.js';
import { needsManagerOffline } from './manager-approval.js';
import { offlineRefusal } from './offline-limits.js';
import { refundSale } from './refund-sale.js';
import { SaleJournal } from './sale-journal.js';
import { SaleSync, type SyncState } from './sale-sync.js';
import { type CashReport, currentSession, getConfig } from './terminal-api.js';
import { bootTill, type TillData } from './terminal-boot.js';
import { terminalStyles } from './terminal-styles.js';
import { closeDrawer, drawerXReport, openDrawer, openWithoutSale } from './till-drawer.js';
import { receiptFor } from './till-receipt.js';
import { ApiError, type Approval, currentCashier, registerId, SESSION_ENDED, sendSale, sessionState, signOut, tillKey, tillName } from './till-session.js';

import './keel-approval-dialog.js';
import './keel-cart-view.js';
import './keel-cash-panel.js';
import './keel-customer-note.js';
import './keel-payment-panel.js';
import './keel-price-override-dialog.js';
import './keel-receipt-view.js';
import './keel-refund-panel.js';
import './keel-sale-totals.js';
import './keel-search-box.js';
import './keel-till-sign-in.js';
import './keel-status-bar.js';

type View = 'loading' | 'enroll' | 'pin' | 'open' | 'sell' | 'pay' | 'receipt' | 'refund' | 'count' | 'report' | 'error';
const uuid = () => crypto.randomUUID();
/** How often an online till asks for catalog changes (also on reconnecting and at every boot). */
const CATALOG_SYNC_MS = 60_000;

/** The checkout terminal: enroll, sign in by PIN, open the drawer, sell, take payment, refund, close. */
@customElement('keel-terminal')
export class KeelTerminal extends LitElement {
  static override styles = [
    terminalStyles,
    css`
      :host {
        min-height: 100vh;
        background: #f3f4f6;
      }
      main {
        padding: 0.8rem;
        max-width: 1200px;
        margin: 0 auto;
        display: grid;
        gap: 0.8rem;
      }
      .sell {
        display: grid;
        grid-template-columns: minmax(0, 1fr) 20rem;
        gap: 0.8rem;
        align-items: start;
      }
      #msg {
        min-height: 1.4em;
      }
      @media (max-width: 800px) {
        .sell {
          grid-template-columns: minmax(0, 1fr);
        }
      }
    `,
  ];

  @state() private view: View = 'loading';
  @state() private data: TillData | undefined;
  @state() private cart: Cart = newCart(uuid(), new Date());
  @state() private message = '';
  @state() private sync: SyncState | undefined;
  @state() private receipt: Receipt | undefined;
  @state() private report: CashReport | undefined;
  @state() private approval: { key: number | 'order'; bp: number } | undefined;
  @state() private held: Cart[] = [];
  /** The line whose price the cashier is changing. */
  @state() private overrideKey: number | undefined;
  #journal = new SaleJournal();
  #sync: SaleSync | undefined;
  #stopScans: (() => void) | undefined;
  /** Managers' approvals per cart id: in memory only (a PIN is never stored on the till). */
  #approvals = new Map<string, Approval>();
  #onSessionEnded = () => {
    if (this.view === 'enroll' || this.view === 'pin' || this.view === 'loading') return;
    this.view = 'pin';
    this.message = 'Your session has ended: sign in again with your PIN (the sale is kept)';
  };

  override connectedCallback() {
    super.connectedCallback();
    this.#stopScans = listenForScans(window, (code) => this.scan(code));
    window.addEventListener(SESSION_ENDED, this.#onSessionEnded);
    void this.#start();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.#catalogTimer);
    this.#stopScans?.();
    window.removeEventListener(SESSION_ENDED, this.#onSessionEnded);
  }

  #catalogTimer: ReturnType<typeof setInterval> | undefined;

  /** Bring the catalog up to date with the server's changes (prices, new products); offline, the next try does. */
  #syncCatalog() {
    void this.data?.catalog.sync().catch(() => undefined);
  }

  get #registerId() {
    return registerId();
  }

  async #start() {
    if (!tillKey()) {
      this.view = 'enroll';
      return;
    }
    try {
      let cashier = currentCashier();
      try {
        cashier = await sessionState();
      } catch (e) {
        // The server is away: the till keeps selling as the cashier last signed in here.
        if (!(e instanceof ApiError && e.offline)) throw e;
      }
      if (!cashier) {
        this.view = 'pin';
        return;
      }
      await persistStorage();
      this.data = await bootTill(this.#registerId);
      // Which catalog this browser got ('worker' or 'memory'): for support and tests.
      this.dataset.catalog = this.data.catalog.kind;
      this.held = (await kvGet<Cart[]>('held')) ?? [];
      this.receipt = await kvGet<Receipt>('lastReceipt');
      this.#sync = new SaleSync(this.#journal, (await kvGet<number>('lastContact')) ?? Date.now());
      this.#sync.addEventListener('change', (e) => {
        const wasOnline = this.sync?.online ?? this.data?.online;
        this.sync = (e as CustomEvent<SyncState>).detail;
        if (this.sync.online) void kvSet('lastContact', this.sync.lastContact);
        if (this.sync.online && !wasOnline) this.#syncCatalog();
      });
      clearInterval(this.#catalogTimer);
      this.#catalogTimer = setInterval(() => this.#online && this.#syncCatalog(), CATALOG_SYNC_MS);
      await this.#sync.refreshCounts();
      void this.#sync.flush();
      this.view = this.data.session ? 'sell' : 'open';
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.view = 'pin';
        return;
      }
      this.message = e instanceof Error ? e.message : String(e);
      this.view = 'error';
    }
  }

  get totals(): CartTotals | undefined {
    return this.data ? totalsOf(this.cart, this.data.taxes) : undefined;
  }

  get #online() {
    return this.sync?.online ?? this.data?.online ?? true;
  }

  /**
   * A scanned (or typed) code: add the product, or say clearly why not and carry on. Lookups are
   * asynchronous (the catalog answers from its worker), so scans are queued to add lines in scan order.
   */
  scan(raw: string): Promise<void> {
    this.#scans = this.#scans.then(() => this.#scanOne(raw)).catch((e: unknown) => this.#say(`Scan failed: ${e instanceof Error ? e.message : String(e)}`));
    return this.#scans;
  }

  #scans: Promise<void> = Promise.resolve();

  async #scanOne(raw: string) {
    if (this.view !== 'sell' || !this.data) return;
    const s = parseScan(raw);
    const catalog = this.data.catalog;
    if (s.kind === 'damaged') return this.#say(`Barcode ${s.code} did not read correctly: scan it again`);
    const product = await catalog.byCode(s.kind === 'code' ? s.code : s.lookup);
    if (this.view !== 'sell') return this.#say(`${product?.name ?? raw} not added: the sale is no longer open`);
    if (!product) return this.#say(`Unknown barcode ${s.kind === 'code' ? s.code : s.lookup}: nothing added`);
    const quantityMilli = s.kind === 'weight' ? s.grams : s.kind === 'price' ? Math.max(1, Math.round((s.price * 1000) / Math.max(product.price, 1))) : 1000;
    this.cart = addLine(this.cart, product, quantityMilli, s.kind !== 'code');
    this.message = `${product.name} added`;
  }

  #say(message: string) {
    this.message = message;
  }

  #onSay = (e: CustomEvent<string>) => this.#say(e.detail);

  #lineChange(e: CustomEvent<LineChange>) {
    const c = e.detail;
    if (c.void) {
      this.cart = voidLine(this.cart, c.key);
      return;
    }
    if (c.price) {
      this.overrideKey = c.key;
      return;
    }
    if (c.quantityMilli !== undefined) this.cart = updateLine(this.cart, c.key, { quantityMilli: c.quantityMilli });
    if (c.discountBp !== undefined) this.#setDiscount(c.key, c.discountBp);
  }

  #setDiscount(key: number | 'order', bp: number) {
    const limit = this.data?.config.cashier.maxDiscountBp ?? 0;
    if (bp > limit && !this.#approvals.has(this.cart.id)) {
      if (!this.#online) return this.#say(needsManagerOffline('A discount above your limit'));
      this.approval = { key, bp };
      return;
    }
    this.#applyDiscount(key, bp);
  }

  #applyDiscount(key: number | 'order', bp: number) {
    const discount = bp > 0 ? ({ kind: 'percent', basisPoints: bp } as const) : undefined;
    this.cart = key === 'order' ? { ...this.cart, orderDiscount: discount } : updateLine(this.cart, key, { discount });
  }

  #override(e: CustomEvent<OverrideDecision>) {
    const key = this.overrideKey;
    this.overrideKey = undefined;
    if (key === undefined) return;
    const d = e.detail;
    this.cart = updateLine(this.cart, key, { override: d.override });
    if (d.approval) this.#approvals.set(this.cart.id, d.approval);
    this.#say(!d.override ? 'Back to the catalog price' : d.approverName ? `Price changed, approved by ${d.approverName}` : 'Price changed');
  }

  #pay() {
    const t = this.totals;
    if (!t || this.cart.lines.length === 0) return this.#say('The sale is empty');
    const limit = this.data?.config.cashier.maxDiscountBp ?? 0;
    const bp = largestDiscountBp(this.cart, t);
    if (bp > limit && !this.#approvals.has(this.cart.id)) {
      if (!this.#online) return this.#say(needsManagerOffline('A discount above your limit'));
      this.approval = { key: 'order', bp: -bp };
      return this.#say('A discount is above your limit: a manager must approve it');
    }
    const config = this.data?.config;
    if (!this.#online && config) {
      const now = Date.now();
      const refused = offlineRefusal(t.total, config.offline, this.sync?.lastContact ?? now, now, config.currency);
      if (refused) return this.#say(refused);
    }
    this.view = 'pay';
  }

  async #complete(e: CustomEvent<{ tenders: SaleTender[]; change: number }>) {
    const data = this.data;
    const t = this.totals;
    if (!data || !t || !this.#sync) return;
    const offline = !this.#online;
    const request = saleRequest(this.cart, data.config.storeId, this.#registerId, e.detail.tenders, t.total, { offline, taxes: data.taxes });
    await this.#sync.record(request, this.#approvals.get(request.id)); // committed to the journal before anything is sent
    this.#approvals.delete(request.id);
    await this.#showReceipt(this.cart, t, e.detail.tenders, e.detail.change, offline);
    this.cart = newCart(uuid(), new Date());
  }

  async #showReceipt(cart: Cart, t: CartTotals, tenders: readonly SaleTender[], change: number, offline: boolean, refundOf?: string) {
    const data = this.data as TillData;
    const heading = { storeName: data.config.storeName, registerId: this.#registerId, cashier: data.config.cashier.name };
    this.receipt = receiptFor(heading, cart, cart.id, t, tenders, change, offline, refundOf);
    await kvSet('lastReceipt', this.receipt);
    this.view = 'receipt';
    this.message = '';
  }

  async #refund(e: CustomEvent<RefundRequest>) {
    const data = this.data as TillData;
    const r = e.detail;
    const { cart, totals: t, tenders } = await refundSale(r, uuid(), data.catalog, data.taxes);
    try {
      await sendSale(saleRequest(cart, data.config.storeId, this.#registerId, tenders, t.total), currentCashier()?.id, r.approval);
      this.cart = cart;
      await this.#showReceipt(cart, t, tenders, 0, false, r.sale.sale.id);
      this.cart = newCart(uuid(), new Date());
    } catch (err) {
      (this.renderRoot.querySelector('keel-refund-panel') as { showError(m: string): void } | null)?.showError(
        err instanceof Error ? err.message : String(err),
      );
    }
  }

  /** A step of the drawer (till-drawer.ts): its result, or what went wrong said to the cashier. */
  async #drawer<T>(step: () => Promise<T>, then: (value: T) => void) {
    try {
      then(await step());
    } catch (err) {
      this.#say((err as Error).message);
    }
  }

  #openSession(e: CustomEvent<number>) {
    return this.#drawer(
      () => openDrawer(this.#registerId, e.detail),
      (session) => {
        (this.data as TillData).session = session;
        this.view = 'sell';
      },
    );
  }

  #xReport() {
    const s = this.data?.session;
    if (!s) return;
    return this.#drawer(
      () => drawerXReport(s, this.#sync),
      (report) => {
        this.report = report;
        this.view = 'report';
      },
    );
  }

  #close(e: CustomEvent<Record<string, number>>) {
    const s = this.data?.session;
    if (!s) return;
    return this.#drawer(
      () => closeDrawer(s, e.detail, this.#sync),
      (report) => {
        this.report = report;
        (this.data as TillData).session = null;
        this.view = 'report';
      },
    );
  }

  #noSale() {
    const s = this.data?.session;
    if (!s) return;
    return this.#drawer(
      () => openWithoutSale(s),
      () => this.#say('Drawer opened (no sale), recorded'),
    );
  }

  async #hold() {
    if (this.cart.lines.length === 0) return;
    this.held = [...this.held, this.cart];
    await kvSet('held', this.held);
    this.cart = newCart(uuid(), new Date());
    this.#say('Sale held');
  }

  async #resume(id: string) {
    const c = this.held.find((h) => h.id === id);
    if (!c) return;
    if (this.cart.lines.length) this.held = [...this.held, this.cart];
    this.held = this.held.filter((h) => h.id !== id);
    await kvSet('held', this.held);
    this.cart = c;
  }

  async #signedIn() {
    this.message = '';
    if (!this.data) {
      this.view = 'loading';
      return void this.#start();
    }
    // Another cashier (or the same one again): their limits, the drawer of this till, and the catalog's changes.
    try {
      const catalog = this.data.catalog.sync().catch(() => undefined);
      const [config, current] = await Promise.all([getConfig(), currentSession(this.#registerId), catalog]);
      this.data = { ...this.data, config, session: current.session ?? null };
      await kvSet('config', config);
      await kvSet('session', this.data.session);
      this.view = this.data.session ? 'sell' : 'open';
      void this.#sync?.flush();
    } catch (err) {
      this.#say(String((err as Error).message));
    }
  }

  async #signOut() {
    await signOut();
    this.view = 'pin';
  }

  override updated(changed: Map<string, unknown>) {
    if (!changed.has('view')) return;
    // Keyboard-first: each screen puts the focus where the cashier's next key belongs.
    if (this.view === 'sell') (this.renderRoot.querySelector('keel-search-box') as HTMLElement | null)?.focus?.();
    if (this.view === 'receipt') (this.renderRoot.querySelector('[data-testid="new-sale"]') as HTMLElement | null)?.focus();
    if (this.view === 'open' || this.view === 'count' || this.view === 'report' || this.view === 'refund') {
      void (this.renderRoot.querySelector('keel-cash-panel, keel-refund-panel') as LitElement | null)?.updateComplete.then(() => {
        const el = this.renderRoot.querySelector('keel-cash-panel, keel-refund-panel') as LitElement | null;
        (el?.renderRoot.querySelector('input, button') as HTMLElement | null)?.focus();
      });
    }
  }

  #sellView() {
    const data = this.data as TillData;
    const t = this.totals;
    const cur = data.config.currency;
    const orderBp = this.cart.orderDiscount?.kind === 'percent' ? this.cart.orderDiscount.basisPoints / 100 : 0;
    return html`<div class="sell">
      <section class="panel" aria-label="Sale">
        <keel-search-box .catalog=${data.catalog} currency=${cur} @pick=${(e: CustomEvent) => {
          this.cart = addLine(this.cart, e.detail, 1000, false);
          this.message = `${e.detail.name} added`;
        }} @code=${(e: CustomEvent<string>) => this.scan(e.detail)}></keel-search-box>
        <p id="msg" role="status" aria-live="polite" data-testid="message">${this.message}</p>
        <keel-cart-view .cart=${this.cart} .totals=${t} currency=${cur} @line-change=${this.#lineChange}></keel-cart-view>
        ${this.#overrideDialog()}
      </section>
      <aside class="panel" aria-label="Totals and actions">
        <keel-sale-totals .totals=${t} currency=${cur} orderPercent=${orderBp} ?hasReceipt=${!!this.receipt}
          @order-discount=${(e: CustomEvent<number>) => this.#setDiscount('order', e.detail)} @action=${this.#onAction}></keel-sale-totals>
        <keel-customer-note .customer=${this.cart.customer} note=${this.cart.note ?? ''}
          @customer=${(e: CustomEvent<Cart['customer'] | null>) => {
            this.cart = { ...this.cart, customer: e.detail ?? undefined };
          }}
          @note=${(e: CustomEvent<string>) => {
            this.cart = { ...this.cart, note: e.detail };
          }}></keel-customer-note>
        ${
          this.held.length
            ? html`<h2 style="margin-top:.8rem">Held sales</h2>${this.held.map(
                (h) => html`<button class="secondary" style="margin:.2rem 0;width:100%" @click=${() => void this.#resume(h.id)}>
                  Resume ${h.lines.length} items (${formatMoney(totalsOf(h, data.taxes).total, cur)})</button>`,
              )}`
            : ''
        }
      </aside>
    </div>
    ${
      this.approval
        ? html`<keel-approval-dialog basisPoints=${Math.abs(this.approval.bp)} limitBp=${data.config.cashier.maxDiscountBp}
        @approved=${(e: CustomEvent<{ approval: Approval; approverName: string }>) => {
          const a = this.approval;
          this.approval = undefined;
          this.#approvals.set(this.cart.id, e.detail.approval);
          this.cart = { ...this.cart, approvedBy: e.detail.approverName };
          // A negative bp: the discount is already in the cart (approval asked at payment).
          if (a && a.bp >= 0) this.#applyDiscount(a.key, a.bp);
          this.#say(`Discount approved by ${e.detail.approverName}`);
        }}
        @cancel=${() => {
          this.approval = undefined;
          this.#say('Discount not applied: it needs a manager');
          this.cart = { ...this.cart };
        }}></keel-approval-dialog>`
        : ''
    }`;
  }

  #onAction = (e: CustomEvent<SaleAction>) => {
    switch (e.detail) {
      case 'pay':
        return this.#pay();
      case 'hold':
        return void this.#hold();
      case 'cancel':
        this.cart = newCart(uuid(), new Date());
        return this.#say('Sale cancelled');
      case 'refund':
        this.view = 'refund';
        return;
      case 'no-sale':
        return void this.#noSale();
      case 'x-report':
        return void this.#xReport();
      case 'close':
        this.view = 'count';
        return;
      case 'last-receipt':
        this.view = 'receipt';
        return;
      case 'switch-cashier':
        this.view = 'pin';
        return;
      case 'sign-out':
        return void this.#signOut();
    }
  };

  #overrideDialog() {
    const line = this.cart.lines.find((l) => l.key === this.overrideKey);
    const cashier = this.data?.config.cashier;
    if (!line || !cashier) return '';
    return html`<keel-price-override-dialog productName=${line.product.name} listPrice=${line.product.price} currency=${this.data?.config.currency ?? 'EUR'}
      .current=${line.override} ?mayOverride=${cashier.permissions.includes('sales.price_override')} limitBp=${cashier.maxDiscountBp} .online=${this.#online}
      @override=${this.#override} @cancel=${() => (this.overrideKey = undefined)}></keel-price-override-dialog>`;
  }

  #body() {
    const cur = this.data?.config.currency ?? 'EUR';
    switch (this.view) {
      case 'loading':
        return html`<p role="status">Loading the till…</p>`;
      case 'error':
        return html`<p role="alert">${this.message}</p><button @click=${() => location.reload()}>Try again</button>`;
      case 'enroll':
        return html`<keel-till-sign-in mode="enroll" message=${this.message} @say=${this.#onSay} @enrolled=${() => (this.view = 'pin')}></keel-till-sign-in>`;
      case 'pin':
        return html`<keel-till-sign-in mode="pin" message=${this.message} ?selling=${!!this.data} ?canGoBack=${!!this.data && !!currentCashier()}
          @say=${this.#onSay} @signed-in=${() => void this.#signedIn()} @back=${() => (this.view = this.data?.session ? 'sell' : 'open')}></keel-till-sign-in>`;
      case 'open':
        return html`<keel-cash-panel mode="open" currency=${cur} @open-float=${this.#openSession}></keel-cash-panel><p role="alert">${this.message}</p>`;
      case 'sell':
        return this.#sellView();
      case 'pay':
        return html`<keel-payment-panel total=${this.totals?.total ?? 0} currency=${cur} cashRounding=${this.data?.config.cashRounding ?? 1}
          .allowed=${this.#online ? ['cash', 'card'] : (this.data?.config.offline.tenders ?? ['cash'])}
          @complete=${this.#complete} @cancel=${() => (this.view = 'sell')}></keel-payment-panel>`;
      case 'receipt':
        return html`<keel-receipt-view .receipt=${this.receipt} currency=${cur}></keel-receipt-view>
          <div class="row no-print"><button @click=${() => (this.view = 'sell')} data-testid="new-sale" autofocus>New sale</button>
          <button class="secondary" @click=${() => window.print()}>Print</button></div>`;
      case 'refund':
        return html`<keel-refund-panel currency=${cur} ?needsManager=${!this.data?.config.cashier.permissions.includes('sales.refund')} @refund=${this.#refund} @cancel=${() => (this.view = 'sell')}></keel-refund-panel>`;
      case 'count':
        return html`<keel-cash-panel mode="count" currency=${cur} @count=${this.#close} @done=${() => (this.view = 'sell')}></keel-cash-panel>
          <p role="alert">${this.message}</p>`;
      case 'report':
        return html`<keel-cash-panel mode="report" currency=${cur} .report=${this.report}
          @done=${() => (this.view = this.data?.session ? 'sell' : 'open')}></keel-cash-panel>`;
    }
  }

  override render() {
    const signedIn = this.view !== 'pin' && this.view !== 'enroll';
    return html`<keel-status-bar storeName=${this.data?.config.storeName ?? 'Keel'} cashier=${signedIn ? (this.data?.config.cashier.name ?? '') : ''}
        registerId=${this.view === 'enroll' ? 'New till' : tillName()} .sync=${this.sync}></keel-status-bar>
      <main>${this.#body()}</main>`;
  }
}
