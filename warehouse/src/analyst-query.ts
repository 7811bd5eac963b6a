/**
 * Turning an analyst's SQL into one the warehouse may run: a single read statement, with its
 * output format, run under `readonly = 1` and the configured limits. The engine enforces the
 * settings (a write, a table function that reads files or URLs, or a settings change is refused
 * by ClickHouse itself); the checks here refuse what readonly does not cover (SYSTEM, INTO OUTFILE,
 * several statements) and give a clear answer before anything runs.
 */
export interface AnalystLimits {
  /** Seconds a query may run (ClickHouse max_execution_time). */
  readonly maxExecutionSeconds: number;
  /** Bytes of memory a query may use (max_memory_usage). */
  readonly maxMemoryBytes: number;
  /** Rows a result may hold (max_result_rows, result_overflow_mode = 'throw'). */
  readonly maxResultRows: number;
}

export const DEFAULT_ANALYST_LIMITS: AnalystLimits = { maxExecutionSeconds: 30, maxMemoryBytes: 2_000_000_000, maxResultRows: 1_000_000 };

export type PreparedQuery = { ok: true; sql: string; format: string } | { ok: false; reason: string };

/** Statements that only read. Everything else (INSERT, ALTER, CREATE, DROP, SYSTEM, KILL, SET, ...) is refused. */
const READ_STATEMENTS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS']);
const FORMAT_RE = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*$/i;
const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Strip comments and the contents of string literals and quoted identifiers (keeping their
 * quotes), so keywords can be looked for without being fooled by text inside them.
 */
export function skeleton(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      out += ' ';
    } else if (c === '#' && (next === ' ' || next === '!')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      out += ' ';
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      out += `${c}${c}`;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Check and wrap an analyst's statement; `defaultFormat` applies when it names none (ClickHouse: TabSeparated). */
export function prepareAnalystQuery(sql: string, limits: AnalystLimits, defaultFormat = 'TabSeparated'): PreparedQuery {
  let text = sql.trim();
  const shape = skeleton(text).trim().replace(/;\s*$/, '');
  if (shape.length === 0) return { ok: false, reason: 'Empty query' };
  if (shape.includes(';')) return { ok: false, reason: 'Only one statement per request' };
  const head = /^[\s(]*([A-Za-z]+)/.exec(shape)?.[1]?.toUpperCase() ?? '';
  if (!READ_STATEMENTS.has(head)) return { ok: false, reason: `Cannot execute query in readonly mode: ${head || 'this statement'} is not a read` };
  if (/\bINTO\s+OUTFILE\b/i.test(shape)) return { ok: false, reason: 'Cannot execute query in readonly mode: INTO OUTFILE writes a file' };
  text = text.replace(/;\s*$/, '');
  let format = FORMAT_RE.exec(shape)?.[1];
  if (format === undefined) {
    if (!FORMAT_NAME.test(defaultFormat)) return { ok: false, reason: 'Unknown format' };
    format = defaultFormat;
    text = `${text}\nFORMAT ${format}`;
  }
  const settings = [
    'readonly = 1',
    `max_execution_time = ${Math.max(1, Math.floor(limits.maxExecutionSeconds))}`,
    `max_memory_usage = ${Math.max(1, Math.floor(limits.maxMemoryBytes))}`,
    `max_result_rows = ${Math.max(1, Math.floor(limits.maxResultRows))}`,
    "result_overflow_mode = 'throw'",
  ];
  return { ok: true, sql: `${text}\nSETTINGS ${settings.join(', ')}`, format };
}
