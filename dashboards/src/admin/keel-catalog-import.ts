import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { adminStyles } from './admin-styles.js';
import { type ImportProgress, type ImportReport, importFile, importProgress } from './catalog-api.js';

const POLL_MS = 300;
const PHASES: Record<ImportProgress['phase'], string> = { reading: 'Reading the file', checking: 'Checking rows', applying: 'Saving products', done: 'Done' };

/**
 * Import a product file: check it first (a dry run lists every bad row by line and reason), then
 * import all-or-nothing or skipping the bad rows, with the server's own progress shown as it reads.
 */
@customElement('keel-catalog-import')
export class KeelCatalogImport extends LitElement {
  static override styles = [
    adminStyles,
    css`
      fieldset {
        border: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 6px;
      }
      legend {
        font-weight: 600;
        margin-bottom: 4px;
      }
      .choice {
        display: flex;
        gap: 8px;
        align-items: center;
        font-weight: 400;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
      }
      progress {
        width: 100%;
        height: 20px;
      }
      .figures {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 24px;
        margin: 0 0 12px;
      }
    `,
  ];

  @state() private file: File | null = null;
  @state() private progress: ImportProgress | null = null;
  @state() private report: ImportReport | null = null;
  @state() private error: string | null = null;
  @state() private running = false;

  async #run(dryRun: boolean) {
    const form = this.renderRoot.querySelector('form');
    const file = this.file;
    if (!form || !file) {
      this.error = 'Choose a CSV or Arrow file first.';
      return;
    }
    const mode = new FormData(form).get('mode') === 'skip-bad-rows' ? 'skip-bad-rows' : 'all-or-nothing';
    const progressId = crypto.randomUUID();
    this.running = true;
    this.error = null;
    this.report = null;
    this.progress = { phase: 'reading', bytes: 0, rows: 0, finished: false };
    let polling = true;
    const poll = async () => {
      while (polling) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (!polling) break;
        try {
          this.progress = await importProgress(progressId);
        } catch {
          // Not started on the server yet: the next poll will tell.
        }
      }
    };
    const poller = poll();
    try {
      this.report = await importFile(file, { mode, dryRun, progressId });
      this.progress = { phase: 'done', bytes: file.size, rows: this.report.rows, finished: true };
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      polling = false;
      await poller;
      this.running = false;
    }
  }

  #progress() {
    const p = this.progress;
    if (!p || !this.file) return nothing;
    // Reading is most of the work; checking and saving fill the last tenth.
    const read = this.file.size > 0 ? Math.min(1, p.bytes / this.file.size) : 1;
    const value = p.phase === 'done' ? 100 : p.phase === 'reading' ? read * 90 : p.phase === 'checking' ? 93 : 97;
    return html`<div role="status" data-testid="progress">
      <progress max="100" .value=${Math.round(value)} aria-label="Import progress"></progress>
      <p class="muted">${PHASES[p.phase]} · ${p.rows.toLocaleString()} rows · ${Math.round(read * 100)}% of the file read</p>
    </div>`;
  }

  #report() {
    const r = this.report;
    if (!r) return nothing;
    const verdict = r.fileError
      ? html`<p class="error" role="alert">The file was refused: ${r.fileError.message}</p>`
      : r.dryRun
        ? html`<p class=${r.badRowCount === 0 ? 'ok' : 'error'}>
            Check only, nothing changed: ${r.badRowCount === 0 ? 'every row is good.' : `${r.badRowCount} of ${r.rows} rows are bad.`}
          </p>`
        : r.applied
          ? html`<p class="ok">Imported${r.badRowCount > 0 ? `, skipping ${r.badRowCount} bad ${r.badRowCount === 1 ? 'row' : 'rows'}` : ''}.</p>`
          : html`<p class="error" role="alert">Nothing was imported: ${r.badRowCount} of ${r.rows} rows are bad (all or nothing).</p>`;
    return html`<section class="card" aria-labelledby="report-title" data-testid="report">
      <h2 id="report-title">Report</h2>
      ${verdict}
      <p class="figures">
        <span>Rows: <strong>${r.rows}</strong></span><span>Good: <strong>${r.goodRows}</strong></span><span>Bad: <strong>${r.badRowCount}</strong></span>
        <span>${r.dryRun ? 'Would add' : 'Added'}: <strong>${r.inserted}</strong></span><span>${r.dryRun ? 'Would update' : 'Updated'}: <strong>${r.updated}</strong></span
        ><span>Unchanged: <strong>${r.unchanged}</strong></span>
      </p>
      ${
        r.badRows.length > 0
          ? html`<div class="scroll">
            <table data-testid="bad-rows">
              <thead>
                <tr><th>Line</th><th>SKU</th><th>Reason</th></tr>
              </thead>
              <tbody>
                ${r.badRows.map((b) => html`<tr><td>Line ${b.line}</td><td>${b.sku}</td><td>${b.reason}</td></tr>`)}
              </tbody>
            </table>
          </div>
          ${r.badRowCount > r.badRows.length ? html`<p class="muted">Only the first ${r.badRows.length} bad rows are listed.</p>` : nothing}`
          : nothing
      }
    </section>`;
  }

  override render() {
    return html`
      <section class="card" aria-labelledby="import-title">
        <h2 id="import-title">Import products</h2>
        <form @submit=${(e: SubmitEvent) => e.preventDefault()}>
          <label
            >Product file (CSV: sku, name, price…; Shopify and Square exports too)
            <input
              type="file"
              name="file"
              accept=".csv,.txt,.arrow,text/csv"
              @change=${(e: Event) => {
                this.file = (e.target as HTMLInputElement).files?.[0] ?? null;
                this.report = null;
                this.progress = null;
              }}
          /></label>
          <fieldset>
            <legend>When some rows are bad</legend>
            <label class="choice"><input type="radio" name="mode" value="all-or-nothing" checked /> Import nothing (all or nothing)</label>
            <label class="choice"><input type="radio" name="mode" value="skip-bad-rows" /> Import the good rows, skip the bad ones</label>
          </fieldset>
          <div class="actions">
            <button type="button" class="secondary" ?disabled=${this.running || !this.file} @click=${() => this.#run(true)}>Check file (dry run)</button>
            <button type="button" ?disabled=${this.running || !this.file} @click=${() => this.#run(false)}>Import</button>
          </div>
          ${this.#progress()} ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        </form>
      </section>
      ${this.#report()}
    `;
  }
}
