import { css } from 'lit';

/** Shared look of the terminal's elements: large touch targets, strong contrast (WCAG AA), visible focus. */
export const terminalStyles = css`
  :host {
    display: block;
    color: #111827;
    font: 16px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  }
  button {
    font: inherit;
    min-height: 44px;
    padding: 0.4rem 0.9rem;
    border-radius: 8px;
    border: 1px solid #1e3a8a;
    background: #1d4ed8;
    color: #fff;
    cursor: pointer;
  }
  button.secondary {
    background: #fff;
    color: #1e3a8a;
  }
  button.danger {
    background: #b91c1c;
    border-color: #7f1d1d;
  }
  button:disabled {
    background: #9ca3af;
    border-color: #6b7280;
    color: #111827;
    cursor: not-allowed;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible {
    outline: 3px solid #f59e0b;
    outline-offset: 2px;
  }
  input,
  select {
    font: inherit;
    min-height: 44px;
    padding: 0.3rem 0.6rem;
    border: 1px solid #4b5563;
    border-radius: 6px;
    background: #fff;
    color: #111827;
    box-sizing: border-box;
    max-width: 100%;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    font-weight: 600;
    font-size: 0.9rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: end;
  }
  .money {
    font-variant-numeric: tabular-nums;
    text-align: right;
    white-space: nowrap;
  }
  .panel {
    background: #fff;
    border: 1px solid #d1d5db;
    border-radius: 10px;
    padding: 0.8rem;
  }
  h2 {
    font-size: 1.2rem;
    margin: 0 0 0.6rem;
  }
  [role='alert'] {
    color: #991b1b;
    font-weight: 600;
  }
`;
