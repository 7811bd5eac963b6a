import { RecordBatchStreamWriter, type Schema, Table, type Vector } from 'apache-arrow';

const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * An Arrow IPC stream written batch by batch as the caller produces column sets, so a million rows
 * leave in bounded memory and the reader sees the first batch at once. Every batch has the same
 * schema (no dictionary columns: they would need replacement messages between batches).
 */
export async function* arrowIpcStream(batches: AsyncIterable<Record<string, Vector>>): AsyncGenerator<Uint8Array> {
  let schema: Schema | undefined;
  let schemaLength = 0;
  for await (const columns of batches) {
    const table = new Table(columns);
    if (!schema) {
      schema = table.schema;
      const head = RecordBatchStreamWriter.writeAll(new Table(schema)).toUint8Array(true);
      schemaLength = head.byteLength - END_OF_STREAM.byteLength;
      yield head.subarray(0, schemaLength);
    }
    for (const batch of table.batches) {
      if (batch.numRows === 0) continue;
      const bytes = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
      yield bytes.subarray(schemaLength, bytes.byteLength - END_OF_STREAM.byteLength);
    }
  }
  yield END_OF_STREAM;
}
