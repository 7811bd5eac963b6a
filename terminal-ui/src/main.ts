// Entry of the /terminal/ page: page-wide styles, the service worker (offline), the app element.
import './page.css';
import './keel-terminal.js';

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((e: unknown) => console.warn('service worker not registered', e));
}
