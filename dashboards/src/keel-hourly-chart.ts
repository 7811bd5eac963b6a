import { formatMoney } from '@keel/core';
import { css, html, LitElement, type PropertyValues, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
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
        display: flex;
        flex-direction: column;
        min-width: 0;
        min-height: 280px;
      }
      .readout {
        min-height: 1.5em;
        margin-bottom: 4px;
        font-size: 1rem;
        color: #374151;
        font-variant-numeric: tabular-nums;
      }
      .readout strong {
        color: ${unsafeCSS(INK)};
      }
      .box {
        position: relative;
        flex: 1 1 auto;
        min-height: 240px;
      }
      .box > .uplot {
        position: absolute;
        inset: 0;
        font-family: inherit;
      }
    `,
  ];

  @property({ attribute: false }) series: HourlySeries | null = null;
  @property() currency = 'EUR';
  @property() kind: HourlyChartKind = 'bars';

  /** Hour under the pointer, for the readout. */
  @state() private hoverIdx: number | null = null;

  #plot: uPlot | null = null;
  #resize: ResizeObserver | null = null;
  #width = 0;
  #height = 0;

  override render() {
    return html`
      <div class="readout" aria-hidden="true">${this.#readout()}</div>
      <div class="box" role="img" aria-label=${this.#describe()}></div>
    `;
  }

  override firstUpdated(): void {
    this.#observe();
  }

  #observe(): void {
    this.#resize = new ResizeObserver((entries) => {
      const rect = entries[0]?.contentRect;
      const width = Math.floor(rect?.width ?? 0);
      const height = Math.floor(rect?.height ?? 0);
      if (width > 0 && height > 0 && (width !== this.#width || height !== this.#height)) {
        this.#width = width;
        this.#height = height;
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
    this.#height = 0;
  }

  #box(): HTMLElement {
    return this.renderRoot.querySelector('.box') as HTMLElement;
  }

  #size(): { width: number; height: number } {
    return { width: this.#width, height: this.#height };
  }

  #data(): uPlot.AlignedData {
    const s = this.series;
    if (!s) return [[], []];
    return [s.hour, s.revenue];
  }

  /** Busiest hour, as [hour, revenue], or null when nothing was sold. */
  #peak(): [number, number] | null {
    const s = this.series;
    if (!s) return null;
    let best: [number, number] | null = null;
    for (let i = 0; i < s.revenue.length; i++) {
      const v = s.revenue[i] ?? 0;
      if (v > 0 && (best === null || v > best[1])) best = [s.hour[i] ?? i, v];
    }
    return best;
  }

  #describe(): string {
    if (!this.series) return 'Revenue per hour: loading';
    const peak = this.#peak();
    if (!peak) return 'Revenue per hour: no sales';
    return `Revenue per hour; busiest hour ${pad2(peak[0])}:00 with ${formatMoney(peak[1], this.currency)}`;
  }

  #readout() {
    const s = this.series;
    if (!s) return '';
    const i = this.hoverIdx;
    if (i !== null && s.hour[i] !== undefined) {
      const h = s.hour[i] as number;
      const tickets = s.tickets[i] ?? 0;
      return html`<strong>${pad2(h)}:00–${pad2(h + 1)}:00</strong> · ${formatMoney(s.revenue[i] ?? 0, this.currency)} ·
        ${tickets} ${tickets === 1 ? 'ticket' : 'tickets'}`;
    }
    const peak = this.#peak();
    return peak ? html`Busiest hour <strong>${pad2(peak[0])}:00</strong> · ${formatMoney(peak[1], this.currency)}` : 'No sales yet';
  }

  #create(): void {
    this.#plot?.destroy();
    const yFmt = axisMoney(this.currency);
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
          space: 44,
          size: (_u, values) => 20 + 8 * Math.max(3, ...(values ?? []).map((v) => v.length)),
          grid: { stroke: GRID, width: 1 },
          ticks: { show: false },
          values: (_u, splits) => splits.map(yFmt),
        },
      ],
      series: [
        { label: 'Hour' },
        {
          label: 'Revenue',
          stroke: ACCENT,
          width: bars ? 0 : 3,
          fill: bars ? 'rgba(29, 78, 216, 0.85)' : 'rgba(29, 78, 216, 0.12)',
          paths: bars ? uPlot.paths.bars?.({ size: [0.72, 64], align: 0 }) : uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
        },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: !bars } },
      legend: { show: false },
      hooks: {
        setCursor: [
          (u) => {
            this.hoverIdx = u.cursor.idx ?? null;
          },
        ],
      },
    };
    this.#plot = new uPlot(opts, this.#data(), this.#box());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-hourly-chart': KeelHourlyChart;
  }
}
