import { css, html, LitElement, type PropertyValues, unsafeCSS } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';

/** One line of a chart: values aligned with the x labels (null = gap). */
export interface ChartLine {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
  fill?: string;
}

/** A band drawn between two lines (their indexes in `lines`), e.g. a prediction interval. */
export interface ChartBand {
  lower: number;
  upper: number;
  fill: string;
}

const INK = '#1f2937';
const GRID = '#e5e7eb';
const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * Lines over categorical x labels (days or hours), columns straight into uPlot, sized to its box,
 * with a legend people can read. `format` turns a y value into axis text.
 */
@customElement('keel-series-chart')
export class KeelSeriesChart extends LitElement {
  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-width: 0;
        min-height: 240px;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 16px;
        font-size: 0.9rem;
        color: #374151;
        margin-bottom: 4px;
      }
      .swatch {
        display: inline-block;
        width: 14px;
        height: 4px;
        border-radius: 2px;
        margin-right: 6px;
        vertical-align: middle;
      }
      .box {
        position: relative;
        flex: 1 1 auto;
        min-height: 200px;
      }
      .box > .uplot {
        position: absolute;
        inset: 0;
      }
    `,
  ];

  @property({ attribute: false }) labels: string[] = [];
  @property({ attribute: false }) lines: ChartLine[] = [];
  @property({ attribute: false }) bands: ChartBand[] = [];
  @property({ attribute: false }) format: (v: number) => string = (v) => String(v);
  /** Show every n-th x label at most (uPlot picks within this). */
  @property() summary = '';

  #plot: uPlot | null = null;
  #resize: ResizeObserver | null = null;
  #w = 0;
  #h = 0;

  override render() {
    return html`
      <div class="legend" aria-hidden="true">
        ${this.lines.map((l) => html`<span><span class="swatch" style="background:${l.color}"></span>${l.label}</span>`)}
      </div>
      <div class="box" role="img" aria-label=${this.summary}></div>
    `;
  }

  override firstUpdated(): void {
    this.#resize = new ResizeObserver((entries) => {
      const r = entries[0]?.contentRect;
      const w = Math.floor(r?.width ?? 0);
      const h = Math.floor(r?.height ?? 0);
      if (w > 0 && h > 0 && (w !== this.#w || h !== this.#h)) {
        this.#w = w;
        this.#h = h;
        if (this.#plot) this.#plot.setSize({ width: w, height: h });
        else this.#create();
      }
    });
    this.#resize.observe(this.renderRoot.querySelector('.box') as HTMLElement);
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.#plot) return;
    if (changed.has('lines') || changed.has('labels') || changed.has('bands')) this.#create();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#plot?.destroy();
    this.#plot = null;
  }

  #create(): void {
    this.#plot?.destroy();
    this.#plot = null;
    if (this.#w === 0) return;
    const labels = this.labels;
    const x = labels.map((_, i) => i);
    const fmt = this.format;
    const opts: uPlot.Options = {
      width: this.#w,
      height: this.#h,
      padding: [10, 10, 0, 4],
      scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), max && max > 0 ? max * 1.08 : 100] } },
      axes: [
        {
          stroke: INK,
          font: FONT,
          grid: { show: false },
          space: 56,
          values: (_u, splits) => splits.map((i) => labels[Math.round(i)] ?? ''),
        },
        {
          stroke: INK,
          font: FONT,
          space: 40,
          size: (_u, values) => 16 + 7 * Math.max(3, ...(values ?? []).map((v) => v.length)),
          grid: { stroke: GRID },
          ticks: { show: false },
          values: (_u, splits) => splits.map(fmt),
        },
      ],
      series: [
        {},
        ...this.lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2.5,
          ...(l.dash ? { dash: l.dash } : {}),
          ...(l.fill ? { fill: l.fill } : {}),
          points: { show: false },
          spanGaps: false,
        })),
      ],
      bands: this.bands.map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: b.fill })),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
    };
    this.#plot = new uPlot(opts, [x, ...this.lines.map((l) => l.values)] as uPlot.AlignedData, this.renderRoot.querySelector('.box') as HTMLElement);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'keel-series-chart': KeelSeriesChart;
  }
}
