import type { KeelConfig } from './config.js';
import { type CheckResult, runDoctor } from './doctor-checks.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export function formatReport(results: readonly CheckResult[]): string {
  const lines = results.map((r) => `${MARK[r.status]}  ${r.title}: ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`);
  const fails = results.filter((r) => r.status === 'fail').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  lines.push('', fails === 0 ? `All ${results.length} checks pass${warns ? ` (${warns} warnings)` : ''}.` : `${fails} of ${results.length} checks fail.`);
  return lines.join('\n');
}

/** `npx keel doctor [--json]`: exit 1 when a check fails. */
export async function doctorCommand(config: KeelConfig, args: string[]): Promise<number> {
  const results = await runDoctor(config, { now: Date.now });
  console.log(args.includes('--json') ? JSON.stringify(results, null, 2) : formatReport(results));
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
