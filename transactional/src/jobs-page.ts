import type { JobRunRow } from '@keel/pipelines';

interface JobListing {
  scheduled: boolean;
  timeZone: string;
  jobs: { name: string; description: string; schedule: string; runs: JobRunRow[] }[];
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * The jobs page: every scheduled job with its last runs, durations, outcome and errors. Rendered on
 * the server (no script), so it works wherever the back office opens, phone included.
 */
export function jobsPage(listing: JobListing): string {
  const time = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: listing.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  const cards = listing.jobs
    .map((j) => {
      const last = j.runs[0];
      const badge = last ? `<span class="badge ${esc(last.outcome)}">${esc(last.outcome)}</span>` : '<span class="badge never">never run</span>';
      const rows = j.runs
        .map(
          (
            r,
          ) => `<tr class="${esc(r.outcome)}"><td class="when">${esc(time(r.startedAt))}</td><td>${esc(r.trigger)}</td><td class="num">${esc(duration(r.durationMs))}</td>
<td><span class="badge ${esc(r.outcome)}">${esc(r.outcome)}</span></td></tr>${r.error ? `<tr class="error-row"><td colspan="4" class="error">${esc(r.error)}</td></tr>` : ''}`,
        )
        .join('');
      return `<section class="job"><header><h2>${esc(j.name)}</h2>${badge}</header>
<p class="desc">${esc(j.description)} <code>${esc(j.schedule)}</code></p>
${j.runs.length ? `<table><thead><tr><th>Started</th><th>Trigger</th><th class="num">Duration</th><th>Outcome</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="empty">No runs yet.</p>'}</section>`;
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Scheduled jobs · Keel</title>
<style>
*{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,sans-serif;background:#f1f5f9;color:#0f172a}
main{max-width:1100px;margin:0 auto;padding:16px}h1{font-size:22px;margin:8px 0 4px}.sub{color:#64748b;margin:0 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:12px}
.job{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px #0001;min-width:0}
.job header{display:flex;justify-content:space-between;align-items:center;gap:8px}h2{font-size:17px;margin:0}
.desc{color:#475569;margin:4px 0 8px;font-size:14px}code{background:#f1f5f9;padding:1px 4px;border-radius:4px;white-space:nowrap}
table{width:100%;border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:4px 6px;border-top:1px solid #e2e8f0;vertical-align:top}
th{color:#64748b;font-weight:600}.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;background:#e2e8f0;color:#334155}
.badge.ok{background:#dcfce7;color:#166534}.badge.failed,.badge.interrupted{background:#fee2e2;color:#991b1b}.badge.running{background:#dbeafe;color:#1e40af}
.when{white-space:nowrap}.error-row td{border-top:0;padding-top:0}.error{color:#991b1b;font-size:12px;overflow-wrap:anywhere}.empty{color:#64748b}
@media (max-width:600px){.grid{grid-template-columns:1fr}main{padding:8px}th:nth-child(2),td:nth-child(2):not(.error){display:none}}
</style></head>
<body><main><h1>Scheduled jobs</h1>
<p class="sub">${listing.scheduled ? `Times in ${esc(listing.timeZone)}. A run missed while the server was off runs once when it starts again.` : 'The scheduler is off on this server (JOBS_ENABLED=false); runs started by hand are listed.'}</p>
<div class="grid">${cards}</div></main></body></html>`;
}
