// Keel terminal service worker: the app shell works without the server.
// Install caches the page and every asset it names; pages and assets are then served from the
// cache when the network fails. The API is never cached here: the app keeps its own snapshot
// and journal in IndexedDB.
const CACHE = 'keel-terminal-v1';
const SHELL = ['./', './index.html', './manifest.webmanifest', './icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      const html = await (await fetch('./', { cache: 'no-store' })).text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
      await cache.addAll(assets);
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
