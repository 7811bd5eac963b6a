/**
 * The `npm run bench -- <scenario> --json` contract (docs/DESIGN.md, "Interfaces"): the last line
 * on stdout is one JSON object of this shape. `baseline` is the ceiling or peer measured in the same
 * run and `ratio` = value / baseline (or the reverse where lower is better, said in `metric`).
 */
export interface BenchResult {
  readonly scenario: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
  /** The pass condition, as an expression over the result's fields. */
  readonly target: string;
  readonly pass: boolean;
  readonly params: Readonly<Record<string, unknown>>;
}

/** A row of a per-step table, printed for humans. */
export type TableRow = Readonly<Record<string, string | number>>;

/** What a scenario hands back: the contract object and the tables a human reads. */
export interface ScenarioOutcome {
  readonly result: BenchResult;
  readonly tables: ReadonlyArray<{ readonly title: string; readonly rows: readonly TableRow[] }>;
}

/** Round to `digits` decimals, for figures in the JSON line. */
export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** One JSON object on one line: the contract. */
export function formatJson(result: BenchResult): string {
  return JSON.stringify(result);
}

/** Fixed-width text table; numbers right-aligned. */
export function formatTable(rows: readonly TableRow[]): string {
  const first = rows[0];
  if (!first) return '(no rows)';
  const columns = Object.keys(first);
  const cell = (v: string | number | undefined) => (v === undefined ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: Array<string | number | undefined>) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return typeof v === 'number' ? cell(v).padStart(w) : cell(v).padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

/** The readable report: each table, then the verdict. */
export function formatReport(outcome: ScenarioOutcome): string {
  const { result } = outcome;
  const parts = outcome.tables.map((t) => `${t.title}\n${formatTable(t.rows)}`);
  parts.push(
    [
      `${result.scenario}: ${result.metric}`,
      `  value ${result.value} ${result.unit}, baseline ${result.baseline} ${result.unit}, ratio ${result.ratio}`,
      `  target ${result.target}: ${result.pass ? 'PASS' : 'MISS'}`,
    ].join('\n'),
  );
  return parts.join('\n\n');
}
