import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TERMINAL_UI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../terminal-ui');
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
};

/**
 * The terminal's offline catalog in a real page: terminal-ui's probe page built with vite, served
 * from one origin together with a Keel server's API (proxied), as a till on the LAN would see it.
 */
export class CatalogProbe {
  private constructor(
    readonly url: string,
    readonly server: Server,
    readonly dir: string,
  ) {}

  static async start(apiUrl: string): Promise<CatalogProbe> {
    const dir = mkdtempSync(path.join(tmpdir(), 'keel-probe-'));
    const { build } = await import('vite');
    await build({
      root: TERMINAL_UI,
      base: '/',
      logLevel: 'error',
      configFile: false,
      worker: { format: 'es' },
      build: { outDir: dir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: path.join(TERMINAL_UI, 'probe/catalog.html') } },
    });
    const api = new URL(apiUrl);
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://probe');
      if (url.pathname.startsWith('/api/')) {
        const upstream = request(
          { host: api.hostname, port: api.port, path: req.url, method: req.method, headers: { ...req.headers, host: api.host } },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        req.pipe(upstream);
        return;
      }
      const file = path.join(dir, path.normalize(url.pathname).replace(/^([/\\])+/, ''));
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new CatalogProbe(`http://127.0.0.1:${port}/probe/catalog.html`, server, dir);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
