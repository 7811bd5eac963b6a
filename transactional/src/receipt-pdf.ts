import { receiptRows, type SaleReceipt } from './sale-receipt.js';

const MM = 72 / 25.4;
const WIDTH = 80 * MM;
const MARGIN = 5 * MM;

/**
 * The receipt as a PDF on 80 mm paper, as tall as it needs (pdfkit, built-in Helvetica: no font
 * files, no browser). Amounts are the server's.
 */
export async function receiptPdf(r: SaleReceipt): Promise<Buffer> {
  // Loaded on first use: pdfkit (and its font machinery) costs a second or more at start.
  const { default: PDFDocument } = await import('pdfkit');
  const rows = receiptRows(r);
  const height = MARGIN * 2 + 150 + rows.length * 14 + r.lines.reduce((n, l) => n + Math.floor(l.name.length / 28) * 11, 0);
  const doc = new PDFDocument({
    size: [WIDTH, Math.max(height, 100 * MM)],
    margin: MARGIN,
    info: { Title: `Receipt ${r.saleId}`, Author: r.storeName, Creator: 'Keel' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const inner = WIDTH - MARGIN * 2;
  const centre = (text: string, size = 9, bold = false) => {
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(size)
      .text(text, MARGIN, doc.y, { width: inner, align: 'center' });
  };
  const rule = () => {
    doc.moveDown(0.3);
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(WIDTH - MARGIN, doc.y)
      .dash(2, { space: 2 })
      .stroke()
      .undash();
    doc.moveDown(0.4);
  };
  centre(r.storeName, 12, true);
  centre(`${r.at} · ${r.registerId}`);
  if (r.cashier) centre(`Served by ${r.cashier}`);
  if (r.refundOf) centre(`REFUND of ${r.refundOf.slice(0, 8)}`, 11, true);
  rule();
  for (const row of rows) {
    if (row.rule) {
      rule();
      continue;
    }
    const size = row.strong ? 11 : 9;
    doc.font(row.strong ? 'Helvetica-Bold' : 'Helvetica').fontSize(size);
    const y = doc.y;
    const rightWidth = doc.widthOfString(row.right) + 2;
    doc.text(row.left, MARGIN, y, { width: inner - rightWidth - 6 });
    const after = doc.y;
    doc.text(row.right, WIDTH - MARGIN - rightWidth, y, { width: rightWidth, align: 'right' });
    doc.y = Math.max(after, doc.y);
  }
  rule();
  centre('Receipt number');
  centre(r.saleId, 7);
  doc.end();
  return done;
}
