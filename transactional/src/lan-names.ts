import os from 'node:os';

/** The names and addresses a till on the store LAN may use to reach this server. */
export interface LanNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

const LINK_LOCAL_V6 = /^fe[89ab][0-9a-f]:/i;

/**
 * This machine's host name (and its mDNS `.local` form), every non-internal IPv4 and IPv6 address
 * (link-local IPv6 left out: browsers cannot open them without a zone), plus localhost, and any names
 * the store adds (TLS_EXTRA_NAMES, e.g. a DNS name on the store's router). Sorted, without repeats.
 */
export function lanNames(extra: readonly string[] = [], hostname = os.hostname(), interfaces = os.networkInterfaces()): LanNames {
  const dns = new Set<string>(['localhost']);
  const host = hostname.trim().toLowerCase();
  if (host) {
    dns.add(host);
    if (!host.includes('.')) dns.add(`${host}.local`);
  }
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || LINK_LOCAL_V6.test(a.address)) continue;
      ips.add(a.address.toLowerCase());
    }
  }
  for (const name of extra) {
    const n = name.trim().toLowerCase();
    if (!n) continue;
    if (/^[0-9.]+$/.test(n) || n.includes(':')) ips.add(n);
    else dns.add(n);
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}
