import { css } from 'lit';

/** Look of `<keel-dashboard>`: readable from across a shop, one column on a phone. */
export const dashboardStyles = css`
  :host {
    display: block;
    max-width: 1440px;
    margin: 0 auto;
    padding: 20px 24px 32px;
    color: #111827;
    --keel-muted: #4a5568;
    --keel-border: #d8dde6;
    --keel-focus: #1d4ed8;
  }
  *:focus-visible {
    outline: 3px solid var(--keel-focus);
    outline-offset: 2px;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    justify-content: space-between;
    gap: 12px 24px;
    margin-bottom: 20px;
  }
  h1 {
    margin: 0;
    font-size: clamp(1.6rem, 1.2vw + 1.2rem, 2.1rem);
    line-height: 1.2;
  }
  .as-of {
    margin: 4px 0 0;
    color: var(--keel-muted);
    font-size: 1rem;
    font-variant-numeric: tabular-nums;
  }
  a.nav {
    color: #1d4ed8;
    font-weight: 600;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 12px;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.85rem;
    font-weight: 600;
    color: var(--keel-muted);
  }
  select,
  input,
  button {
    font: inherit;
    font-size: 1rem;
    color: #111827;
    min-height: 44px;
    border: 1px solid #9aa3b2;
    border-radius: 8px;
    background: #fff;
    padding: 0 12px;
  }
  select {
    min-width: 11rem;
  }
  button {
    cursor: pointer;
    font-weight: 600;
  }
  button:hover {
    background: #eef2ff;
  }
  .status {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    min-height: 44px;
    padding: 0 14px;
    border-radius: 999px;
    font-weight: 700;
    font-size: 1rem;
    background: #e5e7eb;
    color: #374151;
    white-space: nowrap;
  }
  .status .dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: currentColor;
  }
  .status.live {
    background: #dcfce7;
    color: #14532d;
  }
  .status.live .dot {
    background: #16a34a;
    box-shadow: 0 0 0 3px rgba(22, 163, 74, 0.25);
  }
  .status.stale {
    background: #fef3c7;
    color: #78350f;
  }
  .status.stale .dot {
    background: #d97706;
  }
  .error {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    margin: 0 0 16px;
    padding: 10px 12px 10px 16px;
    border: 1px solid #fca5a5;
    border-left: 6px solid #b91c1c;
    border-radius: 8px;
    background: #fef2f2;
    color: #7f1d1d;
    font-weight: 600;
  }
  .error button {
    min-height: 36px;
    border-color: #fca5a5;
    background: #fff;
    color: #7f1d1d;
  }
  main {
    display: grid;
    grid-template-columns: minmax(280px, 340px) minmax(0, 1fr);
    align-items: stretch;
    gap: 16px;
  }
  .cards {
    display: grid;
    grid-template-columns: 1fr;
    align-content: start;
    gap: 12px;
  }
  .loading {
    opacity: 0.55;
    transition: opacity 0.2s;
  }
  .panel {
    display: flex;
    flex-direction: column;
    background: #fff;
    border: 1px solid var(--keel-border);
    border-radius: 12px;
    padding: 16px 20px 12px;
    min-width: 0;
  }
  keel-hourly-chart {
    flex: 1 1 auto;
  }
  .panel-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 12px;
    margin-bottom: 8px;
  }
  h2 {
    margin: 0;
    font-size: 1.15rem;
  }
  .toggle {
    display: inline-flex;
  }
  .toggle button {
    min-height: 36px;
    border-radius: 0;
  }
  .toggle button:first-child {
    border-radius: 8px 0 0 8px;
  }
  .toggle button:last-child {
    border-radius: 0 8px 8px 0;
    border-left: none;
  }
  .toggle button[aria-pressed='true'] {
    background: #1d4ed8;
    border-color: #1d4ed8;
    color: #fff;
  }
  @media (max-width: 860px) {
    main {
      grid-template-columns: minmax(0, 1fr);
    }
    .cards {
      grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
    }
    keel-hourly-chart {
      min-height: 320px;
    }
  }
  @media (max-width: 600px) {
    :host {
      padding: 12px 16px 24px;
    }
    header {
      flex-direction: column;
      align-items: stretch;
    }
    .controls label {
      flex: 1 1 140px;
    }
    select {
      min-width: 0;
    }
    .cards {
      grid-template-columns: 1fr;
      gap: 12px;
    }
    .panel {
      padding: 12px 12px 8px;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .loading {
      transition: none;
    }
  }
`;
