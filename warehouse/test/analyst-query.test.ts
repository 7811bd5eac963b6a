import { describe, expect, it } from 'vitest';
import { DEFAULT_ANALYST_LIMITS, prepareAnalystQuery } from '../src/index.js';

const prep = (sql: string, format?: string) => prepareAnalystQuery(sql, DEFAULT_ANALYST_LIMITS, format);

describe('analyst statements', () => {
  it('lets reads through, keeping their FORMAT or adding the default, always under readonly and the limits', () => {
    const q = prep('SELECT 1');
    expect(q).toMatchObject({ ok: true, format: 'TabSeparated' });
    expect(q.ok && q.sql).toMatch(
      /^SELECT 1\nFORMAT TabSeparated\nSETTINGS readonly = 1, max_execution_time = 30, max_memory_usage = 2000000000, max_result_rows = 1000000, result_overflow_mode = 'throw'$/,
    );
    expect(prep('  with x AS (SELECT 1) SELECT * FROM x FORMAT JSONEachRow;')).toMatchObject({ ok: true, format: 'JSONEachRow' });
    expect(prep('-- a note\n/* and another */ (SELECT 1)', 'JSON')).toMatchObject({ ok: true, format: 'JSON' });
    for (const s of ['SHOW TABLES', 'DESCRIBE TABLE sale_lines', 'EXPLAIN SELECT 1', 'EXISTS TABLE sale_lines']) expect(prep(s).ok).toBe(true);
    // A semicolon or a keyword inside a string is data, not a statement.
    expect(prep("SELECT 'a; DROP TABLE x', 'INTO OUTFILE'").ok).toBe(true);
  });

  it('refuses writes, SYSTEM, KILL, SET, INTO OUTFILE, several statements and empty input', () => {
    for (const s of [
      'INSERT INTO sale_lines VALUES (1)',
      'ALTER TABLE sale_lines DELETE WHERE 1',
      'DROP TABLE sale_lines',
      'TRUNCATE sale_lines',
      'SYSTEM SHUTDOWN',
      'KILL QUERY WHERE 1',
      'SET readonly = 0',
      'OPTIMIZE TABLE sale_lines FINAL',
      "SELECT 1 INTO OUTFILE '/tmp/x'",
      '/* SELECT */ INSERT INTO t SELECT 1',
      'SELECT 1; SELECT 2',
      '   ',
      '-- only a comment',
    ]) {
      expect(prep(s), s).toMatchObject({ ok: false });
    }
    expect(prep('SELECT 1', 'JSON; DROP')).toMatchObject({ ok: false, reason: 'Unknown format' });
  });
});
