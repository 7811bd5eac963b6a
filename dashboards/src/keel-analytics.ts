import { divRound, formatMoney } from '@keel/core';
import { html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import {
  type Compare,
  type ForecastData,
  fetchCompare,
  fetchForecast,
  fetchHeatmap,
  fetchRanking,
  fetchStockAtRisk,
  fetchTenders,
  fetchTrend,
  type HeatmapData,
  type RangeQuery,
  type RankingData,
  type StockAtRisk,
  type TenderData,
  type Trend,
} from './analytics-api.js';
import { analyticsStyles } from './analytics-styles.js';
import { CoalescedTask } from './coalesced-task.js';
import { ApiProblem, fetchStores, STREAM_URL, type StoreRef } from './dashboard-api.js';
import { dashboardStyles } from './keel-dashboard-styles.js';
import { localDay } from './local-day.js';
import { SalesStream, type StreamStatus } from './sales-stream.js';
import './keel-bar-list.js';
import './keel-heatmap.js';
import './keel-series-chart.js';
import './keel-stat.js';

const PERIODS = [7, 30, 90, 365] as const;
const BLUE = '#1d4ed8';
const GREEN = '#15803d';
const GREY = '#6b7280';
const ORANGE = '#c2410c';

function shiftDay(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

const shortDay = (d: string) => new Date(`${d}T00:00:00Z`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

interface Figures {
  trend: Trend;
  compare: Compare;
  top: RankingData;
  bottom: RankingData;
  categories: RankingData;
  cashiers: RankingData;
  heatmap: HeatmapData;
  tenders: TenderData;
  forecast: ForecastData;
  stock: StockAtRisk;
}

/** Owners' and managers' analytics: trends, week on week, products, mix, heatmap, forecast, stock at risk; live. */
@customElement('keel-analytics')
export class KeelAnalytics extends LitElement {
  static override styles = [dashboardStyles, analyticsStyles];

  @state() private stores: StoreRef[] = [];
  @state() private storeId: number | null = null;
  @state() private days: number = 30;
  /** A custom range replaces the preset period when set. */
  @state() private custom: { from: string; to: string } | null = null;
  @state() private categoryId: number | null = null;
  @state() private rankBy: 'revenue' | 'margin' = 'revenue';
  @state() private figures: Figures | null = null;
  @state() private status: StreamStatus = 'connecting';
  @state() private error: string | null = null;
  @state() private updatedAt = '';

  #stream = new SalesStream(STREAM_URL, {
    onSales: () => this.#refresh.request(),
    onStatus: (s) => {
      this.status = s;
    },
    onReopen: () => this.#refresh.request(),
  });
  #refresh = new CoalescedTask(
    () => this.#load(),
    (err) => {
      this.error = err instanceof ApiProblem ? err.title : 'Something went wrong while loading the figures';
    },
  );

  override connectedCallback(): void {
    super.connectedCallback();
    const params = new URLSearchParams(location.search);
    const store = Number(params.get('store'));
    if (params.has('store') && Number.isSafeInteger(store)) this.storeId = store;
    const days = Number(params.get('days'));
    if ((PERIODS as readonly number[]).includes(days)) this.days = days;
    this.#refresh.request();
    this.#stream.open();
    fetchStores().then(
      (s) => {
        this.stores = s;
      },
      () => undefined,
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stream.close();
  }

  #range(): RangeQuery {
    if (this.custom) return { ...this.custom, storeId: this.storeId };
    const to = localDay();
    return { from: shiftDay(to, -(this.days - 1)), to, storeId: this.storeId };
  }

  #spanDays(): number {
    const q = this.#range();
    return Math.round((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000) + 1;
  }

  async #load(): Promise<void> {
    const q = this.#range();
    const rankBy = this.rankBy;
    const [trend, compare, top, bottom, categories, cashiers, heatmap, tenders, forecast, stock] = await Promise.all([
      fetchTrend(q, this.categoryId),
      fetchCompare(q.to, q.storeId),
      fetchRanking(q, 'product', rankBy, 'top', 8),
      fetchRanking(q, 'product', rankBy, 'bottom', 5),
      fetchRanking(q, 'category', 'revenue', 'top', 12),
      fetchRanking(q, 'cashier', 'revenue', 'top', 0),
      fetchHeatmap(q),
      fetchTenders(q),
      fetchForecast(q.storeId),
      fetchStockAtRisk(q.storeId),
    ]);
    this.figures = { trend, compare, top, bottom, categories, cashiers, heatmap, tenders, forecast, stock };
    this.updatedAt = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    this.error = null;
  }

  #set(change: {
    storeId?: number | null;
    days?: number;
    rankBy?: 'revenue' | 'margin';
    custom?: { from: string; to: string } | null;
    categoryId?: number | null;
  }): void {
    if (change.storeId !== undefined) this.storeId = change.storeId;
    if (change.days !== undefined) this.days = change.days;
    if (change.custom !== undefined) this.custom = change.custom;
    if (change.categoryId !== undefined) this.categoryId = change.categoryId;
    if (change.rankBy !== undefined) this.rankBy = change.rankBy;
    const p = new URLSearchParams();
    if (this.storeId !== null) p.set('store', String(this.storeId));
    if (this.days !== 30) p.set('days', String(this.days));
    history.replaceState(null, '', p.toString() ? `?${p}` : location.pathname);
    this.#refresh.request();
  }

  override render() {
    const f = this.figures;
    const cur = f?.trend.currency ?? 'EUR';
    const money = (v: number) => formatMoney(v, cur);
    const storeName = this.storeId === null ? 'All stores' : (this.stores.find((s) => s.id === this.storeId)?.name ?? `Store ${this.storeId}`);
    return html`
      <header>
        <div class="title">
          <h1>Trends &amp; forecast</h1>
          <p class="as-of">${storeName} · ${this.custom ? `${shortDay(this.custom.from)} – ${shortDay(this.custom.to)}` : `last ${this.days} days`}${this.updatedAt ? ` · updated ${this.updatedAt}` : ''} · <a href="./">Live sales</a></p>
        </div>
        <div class="controls">
          <label><span>Store</span>
            <select @change=${(e: Event) => this.#set({ storeId: (e.target as HTMLSelectElement).value === 'all' ? null : Number((e.target as HTMLSelectElement).value) })}>
              <option value="all" ?selected=${this.storeId === null}>All stores</option>
              ${this.stores.map((s) => html`<option value=${s.id} ?selected=${s.id === this.storeId}>${s.name}</option>`)}
            </select>
          </label>
          <label><span>Period</span>
            <select data-testid="period" @change=${this.#onPeriod}>
              ${PERIODS.map((d) => html`<option value=${d} ?selected=${!this.custom && d === this.days}>Last ${d} days</option>`)}
              <option value="custom" ?selected=${this.custom !== null}>Dates…</option>
            </select>
          </label>
          ${
            this.custom
              ? html`<label><span>From</span><input type="date" required .value=${this.custom.from} max=${this.custom.to}
                    @change=${(e: Event) => this.#onDate('from', e)} /></label>
                  <label><span>To</span><input type="date" required .value=${this.custom.to} min=${this.custom.from}
                    @change=${(e: Event) => this.#onDate('to', e)} /></label>`
              : nothing
          }
          <label><span>Category</span>
            <select data-testid="category" @change=${(e: Event) => {
              const v = (e.target as HTMLSelectElement).value;
              this.#set({ categoryId: v === 'all' ? null : Number(v) });
            }}>
              <option value="all" ?selected=${this.categoryId === null}>All categories</option>
              ${(this.figures?.categories.key ?? []).map(
                (k, i) => html`<option value=${k} ?selected=${Number(k) === this.categoryId}>${this.figures?.categories.name[i]}</option>`,
              )}
            </select>
          </label>
          <span class="status ${this.status}" role="status"><span class="dot" aria-hidden="true"></span><span data-testid="status">${
            this.status === 'live' ? 'Live' : this.status === 'stale' ? 'Stale — reconnecting' : 'Connecting…'
          }</span></span>
        </div>
      </header>
      ${this.error ? html`<div class="error" role="alert"><span>${this.error}</span></div>` : nothing}
      ${f?.forecast.alert ? this.#alert(f.forecast, money) : nothing}
      ${f ? this.#body(f, money) : html`<p class="as-of">Loading…</p>`}
    `;
  }

  #onPeriod(e: Event): void {
    const v = (e.target as HTMLSelectElement).value;
    if (v === 'custom') this.#set({ custom: { from: this.#range().from, to: this.#range().to } });
    else this.#set({ days: Number(v), custom: null });
  }

  #onDate(which: 'from' | 'to', e: Event): void {
    const v = (e.target as HTMLInputElement).value;
    if (!v || !this.custom) return;
    const next = { ...this.custom, [which]: v };
    if (next.from <= next.to) this.#set({ custom: next });
  }

  #alert(fc: ForecastData, money: (v: number) => string) {
    const a = fc.alert;
    if (!a) return nothing;
    return html`<div class="notice ${a.level}" role="status" data-testid="forecast-alert">
      Today is running <strong>${a.level === 'above' ? 'well above' : 'well below'}</strong> the forecast: ${money(a.actual)} so far, expected
      ${money(a.lower)}–${money(a.upper)} by now.
    </div>`;
  }

  #body(f: Figures, money: (v: number) => string) {
    const t = f.trend;
    const sum = (xs: readonly number[] | null) => (xs ? xs.reduce((s, v) => s + v, 0) : 0);
    const revenue = sum(t.revenue);
    const previous = sum(t.previousRevenue);
    const tickets = sum(t.tickets);
    const net = sum(t.net);
    const pct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
    const pctPlain = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
    const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
    const compact = (v: number) =>
      new Intl.NumberFormat(undefined, { style: 'currency', currency: t.currency, notation: 'compact', maximumFractionDigits: 1 }).format(v / 100);
    const wd = new Date(`${f.compare.lastWeekDay}T00:00:00Z`).toLocaleDateString(undefined, { weekday: 'long', timeZone: 'UTC' });
    const weekDelta = f.compare.lastWeekSameTime > 0 ? pct.format(f.compare.todayRevenue / f.compare.lastWeekSameTime - 1) : '—';
    const fc = f.forecast;
    const hist = fc.day.slice(-28);
    const actual = fc.actual.slice(-28);
    const labels = [...hist, ...fc.forecastDay].map(shortDay);
    const pad = (n: number) => new Array<number | null>(n).fill(null);
    return html`
      <section class="cards" aria-label="Figures for the period">
        <keel-stat label="Revenue" testid="range-revenue" .value=${money(revenue)} .sub=${previous > 0 ? `${pct.format(revenue / previous - 1)} vs previous ${this.#spanDays()} days` : ''}></keel-stat>
        <keel-stat label="Margin" testid="range-margin" .value=${t.margin ? money(sum(t.margin)) : '—'} .sub=${t.margin ? (net ? `${pctPlain.format(sum(t.margin) / net)} of net` : '') : 'Costs not shown for your role'}></keel-stat>
        <keel-stat label="Tickets" testid="range-tickets" .value=${num.format(tickets)} .sub=${`${num.format(tickets / this.#spanDays())} a day`}></keel-stat>
        <keel-stat label="Average basket" testid="basket" .value=${tickets ? money(divRound(revenue, tickets)) : '—'} .sub=${tickets ? `${num.format(sum(t.itemsMilli) / 1000 / tickets)} items per ticket` : ''}></keel-stat>
      </section>
      <section class="panels">
        <div class="panel">
          <div class="panel-head"><h2>Today vs last ${wd}</h2><span class="delta" data-testid="week-delta">${weekDelta} at this hour</span></div>
          <keel-series-chart .labels=${f.compare.hour.map((h) => `${String(h).padStart(2, '0')}h`)} .format=${compact}
            .summary=${`Today ${money(f.compare.todayRevenue)}; last ${wd} ${money(f.compare.lastWeekRevenue)}`}
            .lines=${[
              { label: 'Today', values: f.compare.today, color: BLUE, fill: 'rgba(29,78,216,0.08)' },
              { label: `Last ${wd}`, values: f.compare.lastWeek, color: GREY, dash: [6, 4] },
            ]}></keel-series-chart>
        </div>
        <div class="panel">
          <div class="panel-head"><h2>Revenue${t.margin ? ' and margin' : ''}, per day${this.categoryId === null ? '' : ` · ${this.#categoryName()}`}</h2></div>
          <keel-series-chart .labels=${t.day.map(shortDay)} .format=${compact} .summary=${`Revenue over ${this.#spanDays()} days: ${money(revenue)}`}
            .lines=${[{ label: 'Revenue', values: t.revenue, color: BLUE }, ...(t.margin ? [{ label: 'Margin', values: t.margin, color: GREEN }] : [])]}></keel-series-chart>
        </div>
        <div class="panel wide">
          <div class="panel-head"><h2>Forecast, next 14 days</h2><span class="hint">Holt-Winters with weekly pattern · band = 95% interval</span></div>
          <keel-series-chart data-testid="forecast-chart" .labels=${labels} .format=${fc.measure === 'revenue' ? compact : (v: number) => num.format(v / 1000)}
            .summary=${`Forecast for the next 14 days: ${money(sum(fc.mean))}`}
            .lines=${[
              { label: 'Actual', values: [...actual, ...pad(fc.forecastDay.length)], color: BLUE },
              { label: 'Forecast', values: [...pad(hist.length - 1), actual[actual.length - 1] ?? null, ...fc.mean], color: ORANGE, dash: [6, 4] },
              { label: 'Low', values: [...pad(hist.length), ...fc.lower], color: 'rgba(194,65,12,0.25)' },
              { label: 'High', values: [...pad(hist.length), ...fc.upper], color: 'rgba(194,65,12,0.25)' },
            ]}
            .bands=${[{ lower: 2, upper: 3, fill: 'rgba(194,65,12,0.12)' }]}></keel-series-chart>
        </div>
        <div class="panel">
          <div class="panel-head"><h2>Top products</h2>${this.#rankToggle(t.margin !== null)}</div>
          ${this.#rankTable(f.top, money, 'top-products')}
          <h3>Bottom products</h3>
          ${this.#rankTable(f.bottom, money, 'bottom-products')}
        </div>
        <div class="panel">
          <div class="panel-head"><h2>Sales by weekday and hour</h2></div>
          <keel-heatmap .values=${f.heatmap.revenue} .format=${money}></keel-heatmap>
          <h3>Category mix</h3>
          <keel-bar-list .names=${f.categories.name} .values=${f.categories.revenue} .format=${compact}></keel-bar-list>
          <h3>Tender mix</h3>
          <keel-bar-list data-testid="tenders" .names=${f.tenders.kind.map((k) => k[0]?.toUpperCase() + k.slice(1))} .values=${f.tenders.amount} .format=${compact}></keel-bar-list>
        </div>
        <div class="panel">
          <div class="panel-head"><h2>Cashiers</h2></div>
          <table data-testid="cashiers">
            <thead><tr><th>Who</th><th class="n">Revenue</th><th class="n">Tickets</th><th class="n">Basket</th></tr></thead>
            <tbody>${f.cashiers.name.map(
              (n, i) =>
                html`<tr><td>${n}</td><td class="n">${money(f.cashiers.revenue[i] ?? 0)}</td><td class="n">${f.cashiers.tickets[i]}</td><td class="n">${
                  f.cashiers.tickets[i] ? money(divRound(f.cashiers.revenue[i] ?? 0, f.cashiers.tickets[i] ?? 1)) : '—'
                }</td></tr>`,
            )}</tbody>
          </table>
        </div>
        <div class="panel">
          <div class="panel-head"><h2>Stock at risk</h2><span class="hint">lead time ${f.stock.leadDays} days</span></div>
          <table data-testid="stock-at-risk">
            <thead><tr><th>Product</th><th class="n">On hand</th><th class="n">Days left</th><th class="n">Order</th></tr></thead>
            <tbody>${f.stock.name.map(
              (n, i) =>
                html`<tr class=${f.stock.atRisk[i] ? 'risk' : ''}><td>${n}</td><td class="n">${num.format((f.stock.onHandMilli[i] ?? 0) / 1000)}</td><td class="n">${
                  f.stock.daysOfCover[i] ?? '—'
                }</td><td class="n">${num.format(Math.ceil((f.stock.orderMilli[i] ?? 0) / 1000))}</td></tr>`,
            )}</tbody>
          </table>
        </div>
      </section>
    `;
  }

  #categoryName(): string {
    const c = this.figures?.categories;
    const i = c ? c.key.findIndex((k) => Number(k) === this.categoryId) : -1;
    return i >= 0 ? (c?.name[i] ?? '') : `Category ${this.categoryId}`;
  }

  #rankToggle(costs: boolean) {
    if (!costs) return nothing;
    return html`<div class="toggle" role="group" aria-label="Rank by">
      ${(['revenue', 'margin'] as const).map(
        (by) =>
          html`<button aria-pressed=${this.rankBy === by ? 'true' : 'false'} @click=${() => this.#set({ rankBy: by })}>${by === 'revenue' ? 'Revenue' : 'Margin'}</button>`,
      )}
    </div>`;
  }

  #rankTable(r: RankingData, money: (v: number) => string, testid: string) {
    return html`<table data-testid=${testid}>
      <thead><tr><th>Product</th><th class="n">Revenue</th>${r.margin ? html`<th class="n">Margin</th>` : nothing}</tr></thead>
      <tbody>${r.name.map(
        (n, i) =>
          html`<tr><td>${n}</td><td class="n">${money(r.revenue[i] ?? 0)}</td>${r.margin ? html`<td class="n">${money(r.margin[i] ?? 0)}</td>` : nothing}</tr>`,
      )}</tbody>
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-analytics': KeelAnalytics;
  }
}
