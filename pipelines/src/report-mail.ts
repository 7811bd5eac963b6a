import { formatMoney } from '@keel/core';
import { revenueChart } from './revenue-chart.js';
import type { Mover, TrendReport } from './trend-report.js';

/** A rendered report: subject, HTML (chart by cid), plain text, and the chart PNG. */
export interface ReportMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly chartPng: Buffer;
  readonly chartCid: string;
}

const LOCALE = 'en-GB';
const TITLES = { daily: 'Daily', weekly: 'Weekly', monthly: 'Month-end' } as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pct(cur: number, prev: number): string {
  if (prev === 0) return cur === 0 ? '0%' : 'new';
  const p = ((cur - prev) / Math.abs(prev)) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

/**
 * Render for mail clients: table layout, inline styles only, no scripts or web fonts, the chart as
 * an inline image (cid), and a plain-text part with the same figures. Costs and margins appear
 * only when the report was built for a reader who may see them.
 */
export function renderReportMail(r: TrendReport): ReportMail {
  const m = (n: number) => formatMoney(n, r.currency, LOCALE);
  const period = r.period.from === r.period.to ? r.period.from : `${r.period.from} to ${r.period.to}`;
  const subject = `${TITLES[r.period.cadence]} report, ${r.scopeName}: ${period}`;
  const chartCid = `chart-${r.period.from}@keel`;

  const kpis: [string, string, string][] = [
    ['Revenue', m(r.current.revenue), pct(r.current.revenue, r.previous.revenue)],
    ['Tickets', String(r.current.tickets), pct(r.current.tickets, r.previous.tickets)],
    ['Average ticket', m(r.current.tickets ? Math.round(r.current.revenue / r.current.tickets) : 0), ''],
  ];
  if (r.showCosts && r.current.margin !== null && r.previous.margin !== null) {
    kpis.push(['Margin', m(r.current.margin), pct(r.current.margin, r.previous.margin)]);
  }
  kpis.push(['Forecast, next 7 days', m(r.forecastNextWeek), '']);

  const moverRows = (list: readonly Mover[]) =>
    list.length === 0
      ? '<tr><td style="padding:4px 0;color:#64748b" colspan="3">None</td></tr>'
      : list
          .map(
            (x) =>
              `<tr><td style="padding:4px 8px 4px 0">${esc(x.sku)}</td><td align="right" style="padding:4px 8px">${m(x.revenue)}</td><td align="right" style="padding:4px 0">${x.change >= 0 ? '+' : ''}${m(x.change)}</td></tr>`,
          )
          .join('');
  const section = (title: string, body: string) =>
    `<tr><td style="padding:16px 24px 0"><h2 style="font-size:16px;margin:0 0 8px;color:#0f172a">${esc(title)}</h2>${body}</td></tr>`;
  const table = (rows: string) =>
    `<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="font-size:14px;color:#0f172a">${rows}</table>`;

  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(subject)}</title></head>
<body style="margin:0;padding:0;background:#f1f5f9;font-family:Arial,Helvetica,sans-serif">
<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="background:#f1f5f9"><tr><td align="center" style="padding:16px 8px">
<table role="presentation" cellpadding="0" cellspacing="0" width="600" style="max-width:600px;width:100%;background:#ffffff;border-radius:6px">
<tr><td style="padding:24px 24px 0"><h1 style="font-size:20px;margin:0;color:#0f172a">${esc(subject)}</h1>
<p style="margin:4px 0 0;color:#64748b;font-size:13px">Compared with ${esc(r.period.previousFrom === r.period.previousTo ? r.period.previousFrom : `${r.period.previousFrom} to ${r.period.previousTo}`)}</p></td></tr>
${section('Figures', table(kpis.map(([k, v, c]) => `<tr><td style="padding:4px 8px 4px 0">${esc(k)}</td><td align="right" style="padding:4px 8px;font-weight:bold">${esc(v)}</td><td align="right" style="padding:4px 0;color:#64748b">${esc(c)}</td></tr>`).join('')))}
${section('Revenue by day', `<img src="cid:${chartCid}" width="552" alt="Revenue by day: ${esc(r.daily.map((d) => `${d.day} ${m(d.revenue)}`).join(', '))}" style="display:block;width:100%;max-width:552px;height:auto;border:0"><p style="margin:4px 0 0;color:#64748b;font-size:12px">Dark bars: this period. Pale bars: the period before.</p>`)}
${section('Top movers', table(moverRows(r.topMovers)))}
${section('Bottom movers', table(moverRows(r.bottomMovers)))}
${section('Stock at risk', table(r.stockAtRisk.length === 0 ? '<tr><td style="padding:4px 0;color:#64748b">None</td></tr>' : r.stockAtRisk.map((s) => `<tr><td style="padding:4px 8px 4px 0">${esc(s.sku)} ${esc(s.name)}</td><td align="right" style="padding:4px 0">${s.daysOfCover} days of cover</td></tr>`).join('')))}
${section('Anomalies', table(r.anomalies.length === 0 ? '<tr><td style="padding:4px 0;color:#64748b">None</td></tr>' : r.anomalies.map((a) => `<tr><td style="padding:4px 8px 4px 0">${a.day}</td><td align="right" style="padding:4px 0">${m(a.revenue)} (usual ${m(a.expected)})</td></tr>`).join('')))}
<tr><td style="padding:24px;color:#94a3b8;font-size:12px">Sent by Keel. Amounts include tax.</td></tr>
</table></td></tr></table></body></html>`;

  const lines = [
    subject,
    `Compared with ${r.period.previousFrom} to ${r.period.previousTo}`,
    '',
    ...kpis.map(([k, v, c]) => `${k}: ${v}${c ? ` (${c})` : ''}`),
    '',
    'Revenue by day:',
    ...r.daily.map((d) => `  ${d.day}  ${m(d.revenue)}`),
    '',
    'Top movers:',
    ...(r.topMovers.length ? r.topMovers.map((x) => `  ${x.sku}  ${m(x.revenue)}  (${x.change >= 0 ? '+' : ''}${m(x.change)})`) : ['  none']),
    'Bottom movers:',
    ...(r.bottomMovers.length ? r.bottomMovers.map((x) => `  ${x.sku}  ${m(x.revenue)}  (${m(x.change)})`) : ['  none']),
    'Stock at risk:',
    ...(r.stockAtRisk.length ? r.stockAtRisk.map((s) => `  ${s.sku} ${s.name}: ${s.daysOfCover} days of cover`) : ['  none']),
    'Anomalies:',
    ...(r.anomalies.length ? r.anomalies.map((a) => `  ${a.day}: ${m(a.revenue)} (usual ${m(a.expected)})`) : ['  none']),
  ];
  return {
    subject,
    html,
    text: `${lines.join('\n')}\n`,
    chartPng: revenueChart(
      r.daily.map((d) => d.revenue),
      r.daily.map((d) => d.previousRevenue),
    ),
    chartCid,
  };
}
