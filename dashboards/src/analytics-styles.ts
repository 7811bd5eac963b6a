import { css } from 'lit';

/** What `<keel-analytics>` adds to the dashboard look: a grid of panels, tables, notices. */
export const analyticsStyles = css`
  a {
    color: #1d4ed8;
    font-weight: 600;
  }
  .cards {
    grid-template-columns: repeat(4, minmax(0, 1fr));
    margin-bottom: 16px;
  }
  .panels {
    display: grid;
    grid-template-columns: repeat(2, minmax(0, 1fr));
    gap: 16px;
  }
  .panel-head {
    flex-wrap: wrap;
  }
  .panel.wide {
    grid-column: 1 / -1;
  }
  keel-series-chart {
    min-height: 260px;
  }
  h3 {
    margin: 16px 0 8px;
    font-size: 1rem;
  }
  .hint,
  .delta {
    color: var(--keel-muted);
    font-size: 0.9rem;
  }
  .delta {
    font-weight: 700;
    color: #111827;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.95rem;
    font-variant-numeric: tabular-nums;
  }
  th {
    text-align: left;
    font-size: 0.8rem;
    text-transform: uppercase;
    color: var(--keel-muted);
    border-bottom: 1px solid var(--keel-border);
    padding: 4px 6px;
  }
  td {
    padding: 6px;
    border-bottom: 1px solid #eef0f4;
    overflow-wrap: break-word;
  }
  .n {
    text-align: right;
    white-space: nowrap;
  }
  tr.risk td {
    color: #9a3412;
    font-weight: 600;
  }
  .notice {
    margin: 0 0 16px;
    padding: 10px 16px;
    border-radius: 8px;
    border-left: 6px solid #c2410c;
    background: #fff7ed;
    color: #7c2d12;
  }
  .notice.above {
    border-left-color: #15803d;
    background: #f0fdf4;
    color: #14532d;
  }
  @media (max-width: 1000px) {
    .cards {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
    .panels {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  @media (max-width: 600px) {
    .cards {
      grid-template-columns: minmax(0, 1fr);
    }
  }
`;
