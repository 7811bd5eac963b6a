import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { adminStyles } from '../admin/admin-styles.js';
import { type FileInfo, type FolderInfo, filesApi, formatSize, type Listing, uploadFile, type Version } from './files-api.js';

interface Upload {
  name: string;
  sent: number;
  total: number;
  error?: string;
  done?: boolean;
}

const PREVIEWABLE = /^image\/(png|jpeg|gif|webp)$|^application\/pdf$/;

/** Browse a space, upload by drag and drop (several files, with progress), rename, trash and restore, versions, search. */
@customElement('keel-files')
export class KeelFiles extends LitElement {
  static override styles = [
    adminStyles,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: end;
        margin-bottom: 12px;
      }
      .bar label {
        flex: 1 1 200px;
      }
      .spaces {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin-bottom: 12px;
      }
      .spaces button[aria-pressed='false'] {
        background: #fff;
        color: var(--keel-accent);
      }
      .crumbs {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
        align-items: center;
        margin-bottom: 12px;
      }
      .crumbs button {
        padding: 4px 8px;
        background: none;
        border: none;
        color: var(--keel-accent);
      }
      .drop {
        border: 2px dashed #9aa3b2;
        border-radius: 10px;
        padding: 18px;
        text-align: center;
        color: var(--keel-muted);
        margin-bottom: 12px;
      }
      .drop.over {
        border-color: var(--keel-accent);
        background: #eef2ff;
      }
      progress {
        width: 100%;
      }
      .upload {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 2fr) auto;
        gap: 8px;
        align-items: center;
        margin-bottom: 6px;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      .actions button,
      .actions a {
        padding: 6px 10px;
        font-size: 0.9rem;
      }
      .actions a {
        border: 1px solid var(--keel-accent);
        border-radius: 6px;
        color: var(--keel-accent);
        text-decoration: none;
        font-weight: 600;
      }
      .name {
        font-weight: 600;
      }
      .thumb {
        width: 40px;
        height: 40px;
        object-fit: cover;
        border-radius: 4px;
        vertical-align: middle;
        margin-right: 8px;
      }
      .folder-link {
        background: none;
        border: none;
        padding: 0;
        color: var(--keel-accent);
        text-align: left;
      }
    `,
  ];

  @state() private spaces: Array<FolderInfo & { level: string }> = [];
  @state() private listing: Listing | null = null;
  @state() private uploads: Upload[] = [];
  @state() private error: string | null = null;
  @state() private over = false;
  @state() private view: 'browse' | 'trash' | 'search' = 'browse';
  @state() private trash: { files: FileInfo[]; folders: FolderInfo[] } | null = null;
  @state() private found: FileInfo[] = [];
  @state() private versionsOf: { file: FileInfo; versions: Version[] } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#start();
  }

  async #start() {
    await this.#try(async () => {
      this.spaces = (await filesApi.spaces()).spaces;
      const linked = /^#[A-Za-z0-9_-]{22}$/.test(location.hash) ? location.hash.slice(1) : null;
      const first = this.spaces.find((s) => s.storeId !== null) ?? this.spaces[0];
      if (linked) await this.#open(linked);
      else if (first) await this.#open(first.id);
    });
  }

  async #try(fn: () => Promise<unknown>) {
    try {
      this.error = null;
      await fn();
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async #open(id: string) {
    this.view = 'browse';
    this.versionsOf = null;
    this.listing = await filesApi.folder(id);
    history.replaceState(null, '', `#${id}`); // a link to this folder, kept on reload
  }

  #refresh = () => (this.listing ? this.#open(this.listing.folder.id) : Promise.resolve());

  get #canWrite(): boolean {
    return this.listing?.folder.level === 'write' || this.listing?.folder.level === 'manage';
  }

  async #upload(files: FileList | File[]) {
    const folder = this.listing?.folder.id;
    if (!folder) return;
    const list = [...files];
    this.uploads = [...this.uploads.filter((u) => !u.done), ...list.map((f) => ({ name: f.name, sent: 0, total: f.size }))];
    for (const f of list) {
      const u = this.uploads.find((x) => x.name === f.name && !x.done) as Upload;
      try {
        await uploadFile(folder, f, (sent, total) => {
          u.sent = sent;
          u.total = total;
          this.uploads = [...this.uploads];
        });
        u.done = true;
      } catch (e) {
        u.error = (e as Error).message;
        u.done = true;
      }
      this.uploads = [...this.uploads];
    }
    await this.#refresh();
  }

  #dragOver = (e: DragEvent) => {
    e.preventDefault();
    this.over = true;
  };

  /** Do something, then reload what is shown; errors show at the top. */
  #then(op: () => Promise<unknown>, after: () => Promise<unknown>) {
    return this.#try(async () => {
      await op();
      await after();
    });
  }

  #drop(e: DragEvent) {
    e.preventDefault();
    this.over = false;
    if (e.dataTransfer?.files.length) void this.#upload(e.dataTransfer.files);
  }

  async #mkdir(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '');
    await this.#try(async () => {
      await filesApi.mkdir(this.listing?.folder.id as string, name);
      form.reset();
      await this.#refresh();
    });
  }

  async #rename(f: FileInfo) {
    const name = prompt('New name', f.name);
    if (!name || name === f.name) return;
    await this.#try(async () => {
      await filesApi.renameFile(f.id, name);
      await this.#refresh();
    });
  }

  async #showTrash() {
    await this.#try(async () => {
      this.trash = await filesApi.trash();
      this.view = 'trash';
    });
  }

  async #search(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    await this.#try(async () => {
      this.found = (await filesApi.search(String(f.get('q') ?? ''), String(f.get('type') ?? ''))).files;
      this.view = 'search';
    });
  }

  #fileRow(f: FileInfo, opts: { trashed?: boolean } = {}) {
    const url = `/api/v1/files/${f.id}/content`;
    const preview = PREVIEWABLE.test(f.mediaType);
    return html`<tr>
      <td class="name">
        ${f.mediaType.startsWith('image/') && preview && !opts.trashed ? html`<img class="thumb" alt="" src="${url}?inline=true" loading="lazy" />` : nothing}${f.name}
      </td>
      <td>${formatSize(f.size)}</td>
      <td>${f.mediaType}</td>
      <td>v${f.version} · ${new Date(f.updatedAt).toLocaleString()}</td>
      <td><div class="actions">
        ${
          opts.trashed
            ? html`<button class="secondary" @click=${() =>
                this.#then(
                  () => filesApi.restoreFile(f.id),
                  () => this.#showTrash(),
                )}>Restore</button>`
            : html`<a href="${url}" download>Download</a>
              ${preview ? html`<a href="${url}?inline=true" target="_blank" rel="noopener">Preview</a>` : nothing}
              <button class="secondary" @click=${() =>
                this.#try(async () => {
                  this.versionsOf = { file: f, versions: (await filesApi.versions(f.id)).versions };
                })}>Versions</button>
              ${
                this.#canWrite
                  ? html`<button class="secondary" @click=${() => this.#rename(f)}>Rename</button>
                    <button class="secondary" @click=${() =>
                      this.#then(
                        () => filesApi.trashFile(f.id),
                        () => this.#refresh(),
                      )}>Delete</button>`
                  : nothing
              }`
        }
      </div></td>
    </tr>`;
  }

  #table(folders: FolderInfo[], files: FileInfo[], opts: { trashed?: boolean } = {}) {
    if (folders.length === 0 && files.length === 0) return html`<p class="muted">Nothing here yet.</p>`;
    return html`<div class="scroll"><table>
      <thead><tr><th>Name</th><th>Size</th><th>Type</th><th>Version</th><th>Actions</th></tr></thead>
      <tbody>
        ${folders.map(
          (d) => html`<tr>
            <td class="name"><span class="muted">Folder · </span>${opts.trashed ? d.name : html`<button class="folder-link" @click=${() => this.#try(() => this.#open(d.id))}>${d.name}</button>`}</td>
            <td></td><td>folder</td><td></td>
            <td><div class="actions">
              ${
                opts.trashed
                  ? html`<button class="secondary" @click=${() =>
                      this.#then(
                        () => filesApi.restoreFolder(d.id),
                        () => this.#showTrash(),
                      )}>Restore</button>`
                  : this.#canWrite
                    ? html`<button class="secondary" @click=${() =>
                        this.#then(
                          () => filesApi.trashFolder(d.id),
                          () => this.#refresh(),
                        )}>Delete</button>`
                    : nothing
              }
            </div></td>
          </tr>`,
        )}
        ${files.map((f) => this.#fileRow(f, opts))}
      </tbody>
    </table></div>`;
  }

  override render() {
    const l = this.listing;
    return html`
      ${this.error ? html`<p class="error card" role="alert">${this.error}</p>` : nothing}
      <div class="spaces" role="group" aria-label="Spaces">
        ${this.spaces.map((s) => html`<button aria-pressed=${l?.path[0]?.id === s.id && this.view === 'browse' ? 'true' : 'false'} @click=${() => this.#try(() => this.#open(s.id))}>${s.name}</button>`)}
        <button class="secondary" aria-pressed=${this.view === 'trash' ? 'true' : 'false'} @click=${this.#showTrash}>Trash</button>
      </div>
      <form class="bar" role="search" @submit=${this.#search}>
        <label>Search by name <input name="q" type="search" placeholder="invoice 2026" /></label>
        <label>Type
          <select name="type">
            <option value="">Any</option><option value="image/">Images</option><option value="application/pdf">PDF</option><option value="text/">Text</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      ${this.view === 'trash' && this.trash ? html`<section class="card"><h2>Trash</h2>${this.#table(this.trash.folders, this.trash.files, { trashed: true })}</section>` : nothing}
      ${this.view === 'search' ? html`<section class="card"><h2>Search results</h2>${this.#table([], this.found)}</section>` : nothing}
      ${
        this.view === 'browse' && l
          ? html`<section class="card">
            <nav class="crumbs" aria-label="Folder path">
              ${l.path.map((p, i) => html`${i > 0 ? html`<span aria-hidden="true">›</span>` : nothing}<button @click=${() => this.#try(() => this.#open(p.id))}>${p.name}</button>`)}
            </nav>
            ${
              this.#canWrite
                ? html`<div class="drop ${this.over ? 'over' : ''}" data-testid="drop"
                    @dragover=${this.#dragOver}
                    @dragleave=${() => (this.over = false)}
                    @drop=${this.#drop}>
                    <p>Drop files here, or</p>
                    <label class="secondary">Choose files <input type="file" multiple @change=${(e: Event) => this.#upload((e.target as HTMLInputElement).files ?? [])} /></label>
                  </div>
                  <form class="bar" @submit=${this.#mkdir}>
                    <label>New folder <input name="name" required maxlength="255" /></label>
                    <button type="submit" class="secondary">Create folder</button>
                  </form>`
                : html`<p class="muted">You can read this folder.</p>`
            }
            ${this.uploads.map(
              (u) => html`<div class="upload" data-testid="upload">
                <span>${u.name}</span> ${u.error ? html`<span class="error">${u.error}</span>` : html`<progress max=${u.total || 1} value=${u.sent}></progress>`}
                <span class="muted">${u.error ? '' : u.done ? 'uploaded' : `${formatSize(u.sent)} of ${formatSize(u.total)}`}</span>
              </div>`,
            )}
            ${this.#table(l.folders, l.files)}
          </section>`
          : nothing
      }
      ${
        this.versionsOf
          ? html`<section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">Versions of ${this.versionsOf.file.name}</h2>
            <table><tbody>${this.versionsOf.versions.map(
              (v) => html`<tr>
                <td>v${v.version}</td><td>${formatSize(v.size)}</td><td>${new Date(v.createdAt).toLocaleString()}</td>
                <td><div class="actions"><a href="/api/v1/files/${this.versionsOf?.file.id}/content?version=${v.version}" download>Download</a>
                ${
                  this.#canWrite && v.version !== this.versionsOf?.file.version
                    ? html`<button class="secondary" @click=${() =>
                        this.#then(
                          () => filesApi.restoreVersion(this.versionsOf?.file.id as string, v.version),
                          () => this.#refresh(),
                        )}>Restore</button>`
                    : nothing
                }</div></td>
              </tr>`,
            )}</tbody></table>
          </section>`
          : nothing
      }
    `;
  }
}
