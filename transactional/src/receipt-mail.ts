import { formatMoney } from '@keel/core';
import { receiptRows, type SaleReceipt } from './sale-receipt.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Shortest sensible check of an address a cashier typed: one @, a dotted domain, no spaces or line breaks. */
export function isMailAddress(text: string): boolean {
  return (
    text.length <= 254 &&
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(text)
  );
}

/** For the audit log: enough to recognise the address, not enough to harvest it. */
export function maskAddress(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** The receipt mail's subject, HTML and text parts (the PDF goes with it as an attachment). */
export function receiptMail(r: SaleReceipt): { subject: string; html: string; text: string } {
  const rows = receiptRows(r);
  const head = [
    r.storeName,
    `${r.at} · ${r.registerId}`,
    r.cashier ? `Served by ${r.cashier}` : '',
    r.refundOf ? `REFUND of ${r.refundOf.slice(0, 8)}` : '',
  ].filter(Boolean);
  const text = [
    ...head,
    '',
    ...rows.map((row) => (row.rule ? '-'.repeat(40) : `${row.left.padEnd(28)} ${row.right.padStart(11)}`)),
    '',
    `Receipt number ${r.saleId}`,
  ].join('\n');
  const tr = rows
    .map((row) =>
      row.rule
        ? '<tr><td colspan="2"><hr style="border:0;border-top:1px dashed #000"></td></tr>'
        : `<tr${row.strong ? ' style="font-weight:bold"' : ''}><td>${esc(row.left)}</td><td style="text-align:right;white-space:nowrap">${esc(row.right)}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html><html><body style="font-family:monospace;color:#000">
<div style="max-width:22rem;margin:0 auto">${head.map((h, i) => `<div style="text-align:center${i === 0 ? ';font-weight:bold;font-size:1.2em' : ''}">${esc(h)}</div>`).join('')}
<table style="width:100%;border-collapse:collapse;margin-top:0.5rem">${tr}</table>
<p style="text-align:center;font-size:0.85em">Receipt number<br>${esc(r.saleId)}</p>
<p style="text-align:center;font-size:0.85em">The receipt is attached as a PDF.</p></div></body></html>`;
  return { subject: `Your receipt from ${r.storeName}: ${formatMoney(r.total, r.currency)}`, html, text };
}
