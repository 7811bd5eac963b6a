import { Table as ArrowTable, tableToIPC, type Vector } from 'apache-arrow';
import { Compression, transformParquetStream, Table as WasmTable, WriterPropertiesBuilder } from 'parquet-wasm';

/** Rows per Parquet row group: the writer holds at most one group's encoded pages in memory. */
const ROW_GROUP_ROWS = 100_000;

/**
 * A Parquet file written as the caller produces column sets (parquet-wasm, the Rust `parquet` crate
 * compiled to WebAssembly): each full row group leaves as soon as it is encoded, so a million rows
 * stream out in bounded memory. Snappy-compressed, readable by DuckDB, pandas/pyarrow, polars and
 * ClickHouse. The caller yields at least one (possibly empty) column set, which gives the schema.
 */
export async function* parquetStream(batches: AsyncIterable<Record<string, Vector>>): AsyncGenerator<Uint8Array> {
  const source = batches[Symbol.asyncIterator]();
  const recordBatches = new ReadableStream(
    {
      async pull(controller) {
        const next = await source.next();
        if (next.done) {
          controller.close();
          return;
        }
        const table = WasmTable.fromIPCStream(tableToIPC(new ArrowTable(next.value), 'stream'));
        try {
          for (const batch of table.recordBatches()) controller.enqueue(batch);
        } finally {
          table.free();
        }
      },
      async cancel() {
        await source.return?.();
      },
    },
    { highWaterMark: 1 },
  );
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(ROW_GROUP_ROWS).setCompression(Compression.SNAPPY).build();
  const bytes = (await transformParquetStream(recordBatches, props)) as ReadableStream<Uint8Array>;
  const reader = bytes.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
