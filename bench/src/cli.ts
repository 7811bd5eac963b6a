import { formatJson, formatReport } from './bench-result.js';
import type { Scenario } from './scenario.js';
import { backup } from './scenarios/backup.js';
import { catalogSearch } from './scenarios/catalog-search.js';
import { checkout } from './scenarios/checkout.js';
import { dashboards } from './scenarios/dashboards.js';
import { faults } from './scenarios/faults.js';
import { filesScenario } from './scenarios/files.js';
import { forecast } from './scenarios/forecast.js';
import { importScenario } from './scenarios/import.js';
import { ingest } from './scenarios/ingest.js';
import { terminal } from './scenarios/terminal.js';
import { terminalCatalog } from './scenarios/terminal-catalog.js';
import { trickle } from './scenarios/trickle.js';

/** `npm run bench -- <scenario> [--quick] [--json]` */
const SCENARIOS: Readonly<Record<string, Scenario>> = {
  checkout,
  dashboards,
  forecast,
  ingest,
  backup,
  import: importScenario,
  'catalog-search': catalogSearch,
  terminal,
  'terminal-catalog': terminalCatalog,
  files: filesScenario,
  faults: faults(),
  trickle,
};
const FLAGS = new Set(['--quick', '--json']);

function usage(): string {
  return `usage: npm run bench -- <scenario> [--quick] [--json] [--scenario <fault scenario>] [--minutes <n>] [--lines <n>]\nscenarios: ${Object.keys(SCENARIOS).join(', ')}`;
}

async function main(args: readonly string[]): Promise<number> {
  // `--scenario <name>` picks one fault scenario of `faults`.
  const at = args.indexOf('--scenario');
  const only = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && (only === undefined || only.startsWith('-'))) {
    console.error(`--scenario needs a name\n${usage()}`);
    return 2;
  }
  // `--minutes <n>`: how long a duration-bound scenario runs (the soak, trickle).
  const mAt = args.indexOf('--minutes');
  const minutes = mAt >= 0 ? Number(args[mAt + 1]) : undefined;
  if (minutes !== undefined && !(minutes > 0)) {
    console.error(`--minutes needs a positive number\n${usage()}`);
    return 2;
  }
  // `--lines <n>`: how many sale lines a warehouse scenario (dashboards) loads.
  const lAt = args.indexOf('--lines');
  const lines = lAt >= 0 ? Number(args[lAt + 1]) : undefined;
  if (lines !== undefined && !(Number.isInteger(lines) && lines > 0)) {
    console.error(`--lines needs a positive whole number\n${usage()}`);
    return 2;
  }
  const valued = [at, mAt, lAt].filter((i) => i >= 0).flatMap((i) => [i, i + 1]);
  const argv = args.filter((_, i) => !valued.includes(i));
  const flags = argv.filter((a) => a.startsWith('-'));
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknownFlag = flags.find((f) => !FLAGS.has(f));
  if (unknownFlag) {
    console.error(`unknown option ${unknownFlag}\n${usage()}`);
    return 2;
  }
  const name = names[0];
  const scenario = name === 'faults' && only ? faults(only) : name === undefined ? undefined : SCENARIOS[name];
  if (only && name !== 'faults') {
    console.error(`--scenario applies to faults only\n${usage()}`);
    return 2;
  }
  if (!scenario || names.length > 1) {
    console.error(`${name === undefined ? 'no scenario given' : `unknown scenario "${names.join(' ')}"`}\n${usage()}`);
    return 2;
  }
  const json = flags.includes('--json');
  const log = (m: string) => console.error(`[bench ${name}] ${m}`);
  const outcome = await scenario({
    quick: flags.includes('--quick'),
    log,
    ...(minutes === undefined ? {} : { minutes }),
    ...(lines === undefined ? {} : { lines }),
  });
  console.log(json ? formatJson(outcome.result) : formatReport(outcome));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
