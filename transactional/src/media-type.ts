/**
 * The type of a file, sniffed from its first bytes; the name and the uploader's Content-Type are
 * never trusted. Browsers render only the INLINE types; everything else, and anything a browser
 * could run (HTML, SVG, XML, scripts) is served as a download.
 */
export const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);
export const DANGEROUS_TYPES = new Set(['text/html', 'image/svg+xml', 'application/xml', 'text/javascript']);
/** Extensions a browser or desktop would run or render as active content, whatever the bytes say. */
export const DANGEROUS_EXTENSIONS = new Set([
  'html',
  'htm',
  'xhtml',
  'shtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'js',
  'mjs',
  'hta',
  'vbs',
  'bat',
  'cmd',
  'ps1',
  'sh',
  'exe',
  'msi',
  'jar',
  'swf',
]);

/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 1024;

function startsWith(head: Buffer, ...bytes: number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}

export function sniffMediaType(head: Buffer): string {
  if (head.length === 0) return 'application/octet-stream';
  if (startsWith(head, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (startsWith(head, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (head.subarray(0, 6).toString('latin1') === 'GIF87a' || head.subarray(0, 6).toString('latin1') === 'GIF89a') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (startsWith(head, 0x50, 0x4b, 0x03, 0x04)) return 'application/zip';
  if (startsWith(head, 0x1f, 0x8b)) return 'application/gzip';
  if (startsWith(head, 0x7f, 0x45, 0x4c, 0x46) || startsWith(head, 0x4d, 0x5a)) return 'application/x-executable';
  const text = head.toString('utf8').replace(/^\ufeff/, '');
  if (text.includes('\ufffd') && !isUtf8Prefix(head)) return 'application/octet-stream';
  if (head.includes(0)) return 'application/octet-stream';
  const lead = text.trimStart().slice(0, 512).toLowerCase();
  if (/<svg[\s>]/.test(lead)) return 'image/svg+xml';
  if (/^<!doctype html|^<html|^<head|^<body|^<script|^<iframe|^<!--|^<meta|^<style|^<a\s|^<div|^<p[\s>]|^<img|^<br/.test(lead) || /<script[\s>]/.test(lead))
    return 'text/html';
  if (lead.startsWith('<?xml')) return 'application/xml';
  if (lead.startsWith('#!')) return 'text/javascript';
  return 'text/plain';
}

/** The head may end inside a multi-byte character: only a replacement character before the last 3 bytes is a real one. */
function isUtf8Prefix(head: Buffer): boolean {
  return !head
    .subarray(0, Math.max(0, head.length - 3))
    .toString('utf8')
    .includes('\ufffd');
}

/** Whether a file may be shown in the browser (images and PDFs whose name is not active content too). */
export function servedInline(mediaType: string, extension: string): boolean {
  return INLINE_TYPES.has(mediaType) && !DANGEROUS_EXTENSIONS.has(extension);
}

/** `attachment` or `inline`, with an ASCII fallback name and the exact UTF-8 name (RFC 6266). */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
