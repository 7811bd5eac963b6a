import { divRound, formatMoney } from '@keel/core';
import { html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { CoalescedTask } from './coalesced-task.js';
import {
  ApiProblem,
  type DashboardQuery,
  type DashboardSummary,
  fetchHourly,
  fetchStores,
  fetchSummary,
  type HourlySeries,
  STREAM_URL,
  type StoreRef,
} from './dashboard-api.js';
import { dashboardStyles } from './keel-dashboard-styles.js';
import type { HourlyChartKind } from './keel-hourly-chart.js';
import { localDay } from './local-day.js';
import { SalesStream, type StreamStatus } from './sales-stream.js';
import './keel-hourly-chart.js';
import './keel-stat.js';

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  stale: 'Stale — reconnecting',
};

const keyOf = (q: DashboardQuery) => `${q.day}|${q.storeId ?? 'all'}`;

/** The live sales page: store and day pickers, today's figures, revenue per hour; refreshed on each `sales` event. */
@customElement('keel-dashboard')
export class KeelDashboard extends LitElement {
  static override styles = dashboardStyles;

  @state() private stores: StoreRef[] = [];
  @state() private storeId: number | null = null;
  @state() private day = localDay();
  @state() private summary: DashboardSummary | null = null;
  @state() private hourly: HourlySeries | null = null;
  /** Which selection the shown figures belong to (they dim while another one loads). */
  @state() private shownKey = '';
  @state() private status: StreamStatus = 'connecting';
  @state() private error: string | null = null;
  @state() private chartKind: HourlyChartKind = 'bars';

  /** Follow the calendar past midnight unless the user picked another day. */
  #followToday = true;
  #inflight: AbortController | null = null;
  #clock: ReturnType<typeof setInterval> | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #stream = new SalesStream(STREAM_URL, {
    onSales: (storeIds) => {
      if (this.storeId === null || storeIds === null || storeIds.includes(this.storeId)) this.#refresh.request();
    },
    onStatus: (status) => {
      this.status = status;
    },
    onReopen: () => this.#refresh.request(),
  });
  #refresh = new CoalescedTask(
    () => this.#load(),
    (err) => this.#showError(err),
  );

  override connectedCallback(): void {
    super.connectedCallback();
    this.#readUrl();
    this.#refresh.request();
    this.#stream.open();
    this.#clock = setInterval(() => this.#followCalendar(), 30_000);
    fetchStores().then(
      (stores) => {
        this.stores = stores;
      },
      (err) => this.#showError(err),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stream.close();
    this.#inflight?.abort();
    if (this.#clock !== null) clearInterval(this.#clock);
    this.#clock = null;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
  }

  async #load(): Promise<void> {
    const q: DashboardQuery = { day: this.day, storeId: this.storeId };
    const ctrl = new AbortController();
    this.#inflight = ctrl;
    try {
      const [summary, hourly] = await Promise.all([fetchSummary(q, ctrl.signal), fetchHourly(q, ctrl.signal)]);
      // The selection changed meanwhile: a queued run loads the new one.
      if (keyOf(q) !== keyOf({ day: this.day, storeId: this.storeId })) return;
      this.summary = summary;
      this.hourly = hourly;
      this.shownKey = keyOf(q);
      this.error = null;
    } catch (err) {
      if (ctrl.signal.aborted) return; // superseded by a newer selection, which is already queued
      throw err;
    } finally {
      if (this.#inflight === ctrl) this.#inflight = null;
    }
  }

  #showError(err: unknown): void {
    this.error = err instanceof ApiProblem ? err.title : 'Something went wrong while loading the figures';
    if (!(err instanceof ApiProblem)) console.error(err);
    // Try again later even if no `sales` event comes (the warehouse may be down while the stream is up).
    if (this.#retry === null) {
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.#refresh.request();
      }, 15_000);
    }
  }

  #select(change: Partial<DashboardQuery>): void {
    if (change.day !== undefined) {
      this.day = change.day;
      this.#followToday = change.day === localDay();
    }
    if (change.storeId !== undefined) this.storeId = change.storeId;
    this.#writeUrl();
    this.#inflight?.abort();
    this.#refresh.request();
  }

  #followCalendar(): void {
    const today = localDay();
    if (this.#followToday && this.day !== today) this.#select({ day: today });
  }

  #readUrl(): void {
    const params = new URLSearchParams(location.search);
    const day = params.get('day');
    if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) {
      this.day = day;
      this.#followToday = day === localDay();
    }
    const store = Number(params.get('store'));
    if (params.has('store') && Number.isSafeInteger(store)) this.storeId = store;
  }

  #writeUrl(): void {
    const params = new URLSearchParams();
    if (this.storeId !== null) params.set('store', String(this.storeId));
    if (!this.#followToday) params.set('day', this.day);
    const search = params.toString();
    history.replaceState(null, '', search ? `?${search}` : location.pathname);
  }

  override render() {
    const loading = this.shownKey !== keyOf({ day: this.day, storeId: this.storeId });
    return html`
      <header>
        <div class="title">
          <h1>${this.#heading()}</h1>
          <p class="as-of">${this.#storeName()}${this.summary ? ` · updated ${this.#time(this.summary.asOf)}` : ''} ·
            <a class="nav" href="./analytics.html">Trends &amp; forecast</a></p>
        </div>
        <div class="controls">
          <label>
            <span>Store</span>
            <select @change=${this.#onStore}>
              <option value="all" ?selected=${this.storeId === null}>All stores</option>
              ${this.stores.map((s) => html`<option value=${s.id} ?selected=${s.id === this.storeId}>${s.name}</option>`)}
              ${
                this.storeId !== null && !this.stores.some((s) => s.id === this.storeId)
                  ? html`<option value=${this.storeId} selected>${this.#storeName()}</option>`
                  : nothing
              }
            </select>
          </label>
          <label>
            <span>Day</span>
            <input type="date" required .value=${this.day} @change=${this.#onDay} />
          </label>
          ${this.day === localDay() ? nothing : html`<button class="today" @click=${() => this.#select({ day: localDay() })}>Today</button>`}
          <span class="status ${this.status}" role="status"
            ><span class="dot" aria-hidden="true"></span><span data-testid="status">${STATUS_TEXT[this.status]}</span></span
          >
        </div>
      </header>
      ${
        this.error
          ? html`<div class="error" role="alert">
              <span data-testid="error">${this.error}</span>
              <button @click=${() => {
                this.error = null;
              }} aria-label="Dismiss error">Dismiss</button>
            </div>`
          : nothing
      }
      <main aria-busy=${loading ? 'true' : 'false'}>
        <section class="cards ${loading ? 'loading' : ''}" aria-label="Figures">${this.#cards()}</section>
        <section class="panel ${loading ? 'loading' : ''}" aria-labelledby="chart-title">
          <div class="panel-head">
            <h2 id="chart-title">Revenue per hour</h2>
            <div class="toggle" role="group" aria-label="Chart style">
              ${(['bars', 'line'] as const).map(
                (kind) =>
                  html`<button aria-pressed=${this.chartKind === kind ? 'true' : 'false'} @click=${() => {
                    this.chartKind = kind;
                  }}>${kind === 'bars' ? 'Bars' : 'Line'}</button>`,
              )}
            </div>
          </div>
          <keel-hourly-chart .series=${this.hourly} .currency=${this.summary?.currency ?? 'EUR'} .kind=${this.chartKind}></keel-hourly-chart>
        </section>
      </main>
    `;
  }

  #cards() {
    const s = this.summary;
    const cur = s?.currency ?? 'EUR';
    const money = (v: number) => formatMoney(v, cur);
    const int = new Intl.NumberFormat();
    const items = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
    const pct = new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const hasMargin = s?.margin !== null && s?.margin !== undefined;
    const margin = hasMargin ? (s?.margin as number) : null;
    const avg = s && s.tickets > 0 ? divRound(s.revenue, s.tickets) : null;
    const revenueSub = s ? `Net ${money(s.net)}${s.discount ? ` · discounts ${money(s.discount)}` : ''}` : '';
    const marginSub = !s ? '' : margin === null ? 'Costs not shown for your role' : s.net !== 0 ? `${pct.format(margin / s.net)} of net` : '';
    return html`
      <keel-stat class="revenue" label="Revenue" testid="revenue" .value=${s ? money(s.revenue) : '…'} .sub=${revenueSub}></keel-stat>
      <keel-stat label="Tickets" testid="tickets" .value=${s ? int.format(s.tickets) : '…'} .sub=${s ? `${int.format(s.lines)} lines` : ''}></keel-stat>
      <keel-stat label="Margin" testid="margin" .value=${s ? (margin === null ? '—' : money(margin)) : '…'} .sub=${marginSub}></keel-stat>
      <keel-stat label="Average ticket" testid="average-ticket" .value=${s ? (avg === null ? '—' : money(avg)) : '…'}></keel-stat>
      <keel-stat label="Items sold" testid="items" .value=${s ? items.format(s.itemsMilli / 1000) : '…'}
        .sub=${s && s.tickets > 0 ? `${items.format(s.itemsMilli / 1000 / s.tickets)} per ticket` : ''}></keel-stat>
    `;
  }

  #heading(): string {
    if (this.day === localDay()) return "Today's sales";
    const [y, m, d] = this.day.split('-').map(Number);
    const date = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
    return `Sales on ${date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })}`;
  }

  #storeName(): string {
    if (this.storeId === null) return 'All stores';
    return this.stores.find((s) => s.id === this.storeId)?.name ?? `Store ${this.storeId}`;
  }

  #time(iso: string): string {
    const t = new Date(iso);
    return Number.isNaN(t.getTime()) ? iso : t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  #onStore(e: Event): void {
    const v = (e.target as HTMLSelectElement).value;
    this.#select({ storeId: v === 'all' ? null : Number(v) });
  }

  #onDay(e: Event): void {
    const v = (e.target as HTMLInputElement).value;
    if (v) this.#select({ day: v });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-dashboard': KeelDashboard;
  }
}
