import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../src/index.js';

/*
 * No ClickHouse server runs on the test machine, so this file checks what holds without one.
 * To run the full shared contract against a server, add to this file (and run with the URL set):
 *
 *   describeWarehouseContract('ClickHouse server', async () => {
 *     const wh = await openWarehouse({ clickhouseUrl: 'http://default:@127.0.0.1:8123/keel_test', dataDir: '' });
 *     await wh.migrate();   // the database in the URL path must exist: CREATE DATABASE keel_test
 *     return { wh, dispose: () => wh.close() };
 *   });
 */

describe('ClickHouse server warehouse', () => {
  it('is chosen when a clickhouseUrl is configured, without connecting', async () => {
    const wh = await openWarehouse({ clickhouseUrl: 'http://127.0.0.1:1', dataDir: '/nonexistent' });
    expect(wh.kind).toBe('clickhouse');
    await wh.close();
  });

  it('rejects promptly with a clear error, without the password, when the server is unreachable', async () => {
    const wh = await openWarehouse({ clickhouseUrl: 'http://keel:s3cret@127.0.0.1:1', dataDir: '', clickhouseRequestTimeoutMs: 2_000 });
    const started = Date.now();
    const error = await wh.query('SELECT 1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'WAREHOUSE_UNREACHABLE', status: 503 });
    expect((error as Error).message).toContain('http://127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
    await wh.close();
  });

  it('refuses an unknown table before sending anything', async () => {
    const wh = await openWarehouse({ clickhouseUrl: 'http://127.0.0.1:1', dataDir: '' });
    await expect(wh.insertRows('sale_lines_x', [{ a: 1 }], 'tok')).rejects.toMatchObject({ code: 'WAREHOUSE_UNKNOWN_TABLE' });
    await wh.close();
  });
});
