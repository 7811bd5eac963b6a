import { formatDecimalMoney } from '@keel/core';
import { RecordBatchReader } from 'apache-arrow';

/** Columns holding integer minor units are read back as decimal text, like a CSV price. */
const MINOR_UNITS: Readonly<Record<string, string>> = { price_minor: 'price', cost_minor: 'cost' };

/**
 * Read an Arrow IPC file or stream batch by batch as text records (header first), so the importer
 * treats it like CSV. Line numbers are row numbers plus one, as in a spreadsheet with a header row.
 */
export async function* readArrowRecords(source: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; fields: string[] }> {
  const reader = await RecordBatchReader.from(source);
  let headerSent = false;
  let line = 1;
  for await (const batch of reader) {
    const names = batch.schema.fields.map((f) => f.name);
    if (!headerSent) {
      yield { line, fields: names.map((n) => MINOR_UNITS[n] ?? n) };
      headerSent = true;
    }
    const columns = names.map((n, i) => ({ minor: n in MINOR_UNITS, vector: batch.getChildAt(i) }));
    for (let r = 0; r < batch.numRows; r++) {
      line++;
      yield {
        line,
        fields: columns.map(({ minor, vector }) => {
          const v: unknown = vector?.get(r);
          if (v === null || v === undefined) return '';
          if (minor) return formatDecimalMoney(Number(v));
          if (typeof v === 'object' && v !== null && 'toArray' in v) return [...(v as { toArray(): unknown[] }).toArray()].join('|');
          return String(v);
        }),
      };
    }
  }
  if (!headerSent) yield { line, fields: reader.schema ? reader.schema.fields.map((f) => MINOR_UNITS[f.name] ?? f.name) : [] };
}
