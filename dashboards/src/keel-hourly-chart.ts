import { formatMoney } from '@keel/core';
import { LitElement, type PropertyValues, css, html, unsafeCSS } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { HourlySeries } from './dashboard-api.js';

export type HourlyChartKind = 'bars' | 'line';

const INK = '#1f2937';
const GRID = '#e5e7eb';
const ACCENT = '#1d4ed8';
const FONT = '14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const pad2 = (h: number) => String(h).padStart(2, '0');

/** Compact money for the y axis: 123456 EUR -> "€1.2K". Display only. */
function axisMoney(currency: string): (minor: number) => string {
  const digits = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const fmt = new Intl.NumberFormat(undefined, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 });
  return (minor) => fmt.format(minor / 10 ** digits);
}

/** Revenue per hour (0-23) as bars or a stepped line, sized to its container. */
@customElement('keel-hourly-chart')
export class KeelHourlyChart extends LitElement {
  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .box {
        width: 100%;
        min-height: 220px;
      }
      .uplot {
        font-family: inherit;
      }
      .u-legend {
        font-size: 1rem;
        color: ${unsafeCSS(INK)};
        margin-top: 4px;
      }
      .u-legend .u-marker {
        border-radius: 3px;
      }
    `,
  ];

  @property({ attribute: false }) series: HourlySeries | null = null;
  @property() currency = 'EUR';
  @property() kind: HourlyChartKind = 'bars';

  #plot: uPlot | null = null;
  #resize: ResizeObserver | null = null;
  #width = 0;

  override render() {
    return html`<div class="box" role="img" aria-label=${this.#describe()}></div>`;
  }

  override firstUpdated(): void {
    this.#observe();
  }

  #observe(): void {
    this.#resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== this.#width) {
        this.#width = width;
        if (this.#plot) this.#plot.setSize(this.#size());
        else this.#create();
      }
    });
    this.#resize.observe(this.#box());
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.#plot) return;
    if (changed.has('kind') || changed.has('currency')) this.#create();
    else if (changed.has('series')) this.#plot.setData(this.#data());
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a move: observe again (firstUpdated runs only once).
    if (this.hasUpdated && !this.#resize) this.#observe();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = null;
    this.#plot?.destroy();
    this.#plot = null;
    this.#width = 0;
  }

  #box(): HTMLElement {
    return this.renderRoot.querySelector('.box') as HTMLElement;
  }

  #size(): { width: number; height: number } {
    return { width: this.#width, height: Math.round(Math.min(380, Math.max(220, this.#width * 0.34))) };
  }

  #data(): uPlot.AlignedData {
    const s = this.series;
    if (!s) return [[], []];
    return [s.hour, s.revenue];
  }

  #describe(): string {
    const s = this.series;
    if (!s || s.revenue.length === 0) return 'Revenue per hour: no data yet';
    let peak = 0;
    s.revenue.forEach((v, i) => {
      if (v > (s.revenue[peak] ?? 0)) peak = i;
    });
    const top = s.revenue[peak] ?? 0;
    if (top <= 0) return 'Revenue per hour: no sales yet';
    const hour = s.hour[peak] ?? peak;
    return `Revenue per hour; busiest hour ${pad2(hour)}:00 with ${formatMoney(top, this.currency)}`;
  }

  #create(): void {
    this.#plot?.destroy();
    const currency = this.currency;
    const yFmt = axisMoney(currency);
    const bars = this.kind === 'bars';
    const opts: uPlot.Options = {
      ...this.#size(),
      padding: [12, 12, 0, 4],
      scales: {
        x: { time: false, range: [-0.5, 23.5] },
        y: { range: (_u, min, max) => [Math.min(0, min ?? 0), max && max > 0 ? max * 1.1 : 100] },
      },
      axes: [
        {
          stroke: INK,
          font: FONT,
          grid: { show: false },
          ticks: { stroke: GRID },
          incrs: [1, 2, 3, 6],
          space: 36,
          values: (_u, splits) => splits.map((h) => pad2(h)),
        },
        {
          stroke: INK,
          font: FONT,
          size: 72,
          grid: { stroke: GRID, width: 1 },
          ticks: { show: false },
          values: (_u, splits) => splits.map(yFmt),
        },
      ],
      series: [
        { label: 'Hour', value: (_u, h) => (h == null ? '—' : `${pad2(h)}:00–${pad2(h + 1)}:00`) },
        {
          label: 'Revenue',
          stroke: ACCENT,
          width: bars ? 0 : 3,
          fill: bars ? 'rgba(29, 78, 216, 0.85)' : 'rgba(29, 78, 216, 0.12)',
          paths: bars ? uPlot.paths.bars?.({ size: [0.72, 64], align: 0 }) : uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
          value: (_u, v) => (v == null ? '—' : formatMoney(v, currency)),
        },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: !bars } },
      legend: { live: true },
    };
    this.#plot = new uPlot(opts, this.#data(), this.#box());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-hourly-chart': KeelHourlyChart;
  }
}
