import { inflateSync } from 'node:zlib';

/** WinAnsi (PDF's standard-font encoding) bytes 0x80-0x9f that differ from Latin-1. */
const WIN_ANSI: Record<number, string> = { 128: '€', 145: '‘', 146: '’', 147: '“', 148: '”', 149: '•', 150: '–', 151: '—' };

/**
 * The text of a PDF written with standard fonts, one line per text object: a small reader for
 * tests (checks the header and the trailer, inflates each content stream, decodes Tj/TJ strings).
 */
export function pdfText(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  if (!raw.startsWith('%PDF-')) throw new Error('not a PDF: no %PDF- header');
  if (!/%%EOF\s*$/.test(raw)) throw new Error('not a complete PDF: no %%EOF');
  const lines: string[] = [];
  const streams = /<<([\s\S]*?)>>\s*stream\r?\n/g;
  for (let m = streams.exec(raw); m; m = streams.exec(raw)) {
    const length = Number(/\/Length (\d+)/.exec(m[1] ?? '')?.[1]);
    const start = m.index + m[0].length;
    const body = pdf.subarray(start, start + length);
    let content: string;
    try {
      content = (/\/FlateDecode/.test(m[1] ?? '') ? inflateSync(body) : body).toString('latin1');
    } catch {
      continue; // not a content stream (an image, a font)
    }
    for (const block of content.match(/BT[\s\S]*?ET/g) ?? []) {
      const parts: string[] = [];
      for (const s of block.match(/<([0-9a-fA-F]*)>|\((?:\\.|[^\\)])*\)/g) ?? []) {
        const bytes = s.startsWith('<') ? Buffer.from(s.slice(1, -1), 'hex') : Buffer.from(s.slice(1, -1).replace(/\\(.)/g, '$1'), 'latin1');
        parts.push([...bytes].map((b) => WIN_ANSI[b] ?? String.fromCharCode(b)).join(''));
      }
      lines.push(parts.join(''));
    }
  }
  return lines;
}
