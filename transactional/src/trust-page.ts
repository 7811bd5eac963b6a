import type { TrustInfo } from './lan-tls.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
  :root { color-scheme: light; font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #111827; background: #f3f4f6; }
  body { margin: 0; }
  main { max-width: 52rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
  h1 { font-size: 1.6rem; margin: 0.5rem 0 0.75rem; }
  h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
  section { background: #fff; border: 1px solid #d1d5db; border-radius: 10px; padding: 1rem 1.1rem; margin: 1rem 0; }
  ol, ul { padding-left: 1.3rem; margin: 0.4rem 0; }
  li { margin: 0.25rem 0; }
  code { font: 0.9em ui-monospace, 'DejaVu Sans Mono', monospace; background: #f3f4f6; padding: 0.05rem 0.25rem; border-radius: 4px; overflow-wrap: anywhere; }
  pre { font: 0.85em ui-monospace, 'DejaVu Sans Mono', monospace; background: #f3f4f6; padding: 0.6rem; border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
  .fp { font: 0.95rem/1.6 ui-monospace, 'DejaVu Sans Mono', monospace; word-break: break-all; background: #ecfdf5; border: 1px solid #10b981; border-radius: 6px; padding: 0.5rem 0.7rem; }
  .button { display: inline-block; background: #1d4ed8; color: #fff; text-decoration: none; font-weight: 600; padding: 0.7rem 1.1rem; border-radius: 8px; margin: 0.4rem 0.4rem 0.4rem 0; }
  .button.secondary { background: #fff; color: #1d4ed8; border: 2px solid #1d4ed8; }
  .note { color: #4b5563; font-size: 0.93rem; }
  .grid { display: grid; gap: 0 1rem; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
  @media (max-width: 480px) { .grid { grid-template-columns: 1fr; } h1 { font-size: 1.35rem; } }
`;

const rank = (n: string) => (/^[0-9.]+$/.test(n) ? 0 : n.endsWith('.local') ? 1 : n.includes(':') ? 3 : 2);

function addresses(t: TrustInfo): string[] {
  if (t.httpsPort === null) return [];
  return (
    t.names
      .map((n) => n.replace(/^(DNS|IP Address|IP):/, ''))
      .filter((n) => n !== 'localhost' && n !== '127.0.0.1' && n !== '::1' && !/^0:0:0:0:0:0:0:1$/.test(n))
      .map((n) => n.toLowerCase())
      // IPv4 first (works everywhere), then .local names (mDNS), other names, IPv6 last.
      .sort((a, b) => rank(a) - rank(b))
      .map((n) => `https://${n.includes(':') ? `[${n}]` : n}:${t.httpsPort}/terminal/`)
  );
}

function devices(): string {
  return `<div class="grid">
<section id="windows"><h2>Windows till</h2><ol>
  <li>Download the certificate (button above) and open the downloaded <code>keel-ca.crt</code>.</li>
  <li>Check it: in a command prompt, <code>certutil -dump keel-ca.crt</code> prints <b>Cert Hash(sha256)</b>, the fingerprint above without the colons.</li>
  <li>Choose <b>Install Certificate…</b> → <b>Local Machine</b> → <b>Place all certificates in the following store</b> → <b>Browse</b> → <b>Trusted Root Certification Authorities</b> → <b>Next</b> → <b>Finish</b>.</li>
  <li>Restart the browser. Edge and Chrome use this store; in Firefox, also import it under <b>Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import</b>, ticking “Trust this CA to identify websites”.</li>
</ol><p class="note">Or, in PowerShell run as administrator:</p>
<pre>Import-Certificate -FilePath keel-ca.crt -CertStoreLocation Cert:\\LocalMachine\\Root</pre></section>
<section id="linux"><h2>Linux till</h2><ol>
  <li>Download the certificate, then in a terminal: <pre>sudo cp keel-ca.crt /usr/local/share/ca-certificates/keel-ca.crt
sudo update-ca-certificates
openssl x509 -in keel-ca.crt -noout -fingerprint -sha256</pre>and compare the last line with the fingerprint above.</li>
  <li>Chrome and Chromium keep their own list: <b>Settings → Privacy and security → Security → Manage certificates → Authorities → Import</b>, choose <code>keel-ca.crt</code>, tick “Trust this certificate for identifying websites”. (Or <code>certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "Keel local CA" -i keel-ca.crt</code> from the <code>libnss3-tools</code> package.)</li>
  <li>Firefox: <b>Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import</b>.</li>
</ol></section>
<section id="ios"><h2>iPhone or iPad</h2><ol>
  <li>Open this page in <b>Safari</b> (other browsers cannot install profiles) and tap <b>Download the certificate</b>, then <b>Allow</b>.</li>
  <li>Open <b>Settings</b>: tap <b>Profile Downloaded</b> near the top (or <b>General → VPN &amp; Device Management</b>), then <b>Install</b>, enter the passcode, <b>Install</b> again.</li>
  <li>Then <b>Settings → General → About → Certificate Trust Settings</b> and switch on <b>Keel local CA</b>. Without this last step Safari still warns.</li>
  <li>The profile shows the certificate's SHA-256 fingerprint under <b>More Details</b>: compare it with the one above.</li>
</ol></section>
<section id="android"><h2>Android phone or tablet</h2><ol>
  <li>Tap <b>Download the certificate</b> and keep the file.</li>
  <li>Open <b>Settings → Security &amp; privacy → More security settings → Encryption &amp; credentials → Install a certificate → CA certificate</b>, tap <b>Install anyway</b> and choose <code>keel-ca.crt</code>. (Menus differ between makers: search Settings for “CA certificate”.)</li>
  <li>Check it under <b>Trusted credentials → User</b>. Chrome trusts it at once; Firefox for Android only after turning on “Use third party CA certificates” in its secret settings.</li>
</ol></section>
</div>`;
}

/** The page at /trust: how to make a till, a phone or a tablet trust this server's HTTPS. Plain HTML, no script. */
export function renderTrustPage(t: TrustInfo | null, storeName: string, askedFor = ''): string {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust this Keel server · ${esc(storeName)}</title><style>${STYLE}</style></head><body><main>`;
  if (!t || t.httpsPort === null) {
    return `${head}<h1>HTTPS is off on this server</h1><section><p>Tills need HTTPS to keep selling offline. Ask whoever runs this server to start Keel with <code>HTTPS_PORT</code> set (it is on by default, on port 8443).</p></section></main></body></html>`;
  }
  const urls = addresses(t);
  // The button opens the checkout at the name or address this device used, when the certificate has it.
  const asked = urls.find((u) => u.startsWith(`https://${askedFor.includes(':') ? `[${askedFor.toLowerCase()}]` : askedFor.toLowerCase()}:`));
  if (asked) {
    urls.splice(urls.indexOf(asked), 1);
    urls.unshift(asked);
  }
  const open = urls[0] ? `<a class="button secondary" href="${esc(urls[0])}" data-testid="open-terminal">Open the checkout over HTTPS</a>` : '';
  const list = urls.map((u) => `<li><code>${esc(u)}</code></li>`).join('');
  if (t.source === 'provided') {
    return `${head}<h1>Reach ${esc(storeName)}'s checkout over HTTPS</h1><section>
<p>This server uses a certificate the store provided. Devices that trust its issuer open the checkout without a warning; if one warns, ask whoever issued the certificate for the CA to install.</p>
<p>SHA-256 fingerprint of the server certificate:</p><p class="fp" data-testid="fingerprint">${esc(t.fingerprint)}</p>
<p>The checkout is at:</p><ul>${list}</ul>${open}</section></main></body></html>`;
  }
  return `${head}<h1>Trust this Keel server on a till, a phone or a tablet</h1>
<section><p>Tills reach Keel over <b>HTTPS</b>: browsers allow the checkout to keep selling offline only on a secure connection. Keel made its own certificate authority (CA) for <b>${esc(storeName)}</b> and signs this server's certificate with it. Install the CA once on each device; after that the checkout opens with a padlock and no warning.</p>
<a class="button" href="/trust/keel-ca.crt" download="keel-ca.crt" data-testid="download-ca">Download the certificate</a>${open}
<p>Before you trust it, compare its <b>SHA-256 fingerprint</b> with the one your device shows. They must be identical:</p>
<p class="fp" data-testid="fingerprint">${esc(t.fingerprint)}</p>
<p class="note">Only install a certificate you downloaded from your own store's server, on the store's network. The file holds the CA's public certificate only; its private key never leaves the server.</p></section>
${devices()}
<section id="open"><h2>Then open the checkout</h2><p>Use one of these addresses (this server's names and addresses on the LAN):</p><ul>${list}</ul>
<p class="note">The server certificate is valid until ${esc(t.validTo)}; Keel renews it by itself, and when its addresses change, with the same CA: nothing to do on the devices.</p></section>
</main></body></html>`;
}
