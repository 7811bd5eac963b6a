// Keel terminal service worker: the app shell works without the server.
// Install caches the page and every asset it names; pages and assets are then served from the
// cache when the network fails. The API is never cached here: the app keeps its own catalog
// (OPFS) and journal (IndexedDB).
const CACHE = 'keel-terminal-v2';
const SHELL = ['./', './index.html', './manifest.webmanifest', './icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      const html = await (await fetch('./', { cache: 'no-store' })).text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      // Scripts the page starts itself (the offline catalog's Web Worker) are named only inside its JS.
      const named = new Set();
      for (const asset of assets.filter((a) => a.endsWith('.js'))) {
        const hit = await cache.match(asset);
        const js = hit ? await hit.text() : '';
        for (const m of js.matchAll(/\/terminal\/assets\/[\w.-]+\.js/g)) named.add(m[0]);
      }
      await cache.addAll([...named]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/terminal/')) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const isAsset = url.pathname.startsWith('/terminal/assets/');
      if (isAsset) {
        const hit = await cache.match(event.request);
        if (hit) return hit;
      }
      try {
        const res = await fetch(event.request);
        if (res.ok) await cache.put(event.request, res.clone());
        return res;
      } catch (e) {
        const hit = (await cache.match(event.request)) ?? (event.request.mode === 'navigate' ? await cache.match('./') : undefined);
        if (hit) return hit;
        throw e;
      }
    })(),
  );
});
