import { css } from 'lit';

/** Shared look of the back office pages: one readable column on a phone, cards on a desktop. */
export const adminStyles = css`
  :host {
    display: block;
    color: #111827;
    --keel-muted: #4a5568;
    --keel-border: #d8dde6;
    --keel-focus: #1d4ed8;
    --keel-accent: #1d4ed8;
    --keel-danger: #b91c1c;
  }
  *:focus-visible {
    outline: 3px solid var(--keel-focus);
    outline-offset: 2px;
  }
  h1,
  h2 {
    margin: 0 0 12px;
    line-height: 1.2;
  }
  h1 {
    font-size: clamp(1.5rem, 1vw + 1.2rem, 2rem);
  }
  h2 {
    font-size: 1.2rem;
  }
  .card {
    background: #fff;
    border: 1px solid var(--keel-border);
    border-radius: 10px;
    padding: 20px;
    margin-bottom: 20px;
    box-sizing: border-box;
  }
  form {
    display: grid;
    gap: 12px;
  }
  .grid {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(180px, 1fr));
    gap: 12px;
  }
  label {
    display: grid;
    gap: 4px;
    font-size: 0.95rem;
    font-weight: 600;
  }
  input,
  select {
    font: inherit;
    font-weight: 400;
    padding: 10px 12px;
    border: 1px solid #9aa3b2;
    border-radius: 6px;
    background: #fff;
    min-width: 0;
  }
  button {
    font: inherit;
    font-weight: 600;
    padding: 10px 18px;
    border-radius: 6px;
    border: 1px solid var(--keel-accent);
    background: var(--keel-accent);
    color: #fff;
    cursor: pointer;
    justify-self: start;
  }
  button.secondary {
    background: #fff;
    color: var(--keel-accent);
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  .error {
    color: var(--keel-danger);
    font-weight: 600;
    margin: 0;
  }
  .ok {
    color: #166534;
    font-weight: 600;
    margin: 0;
  }
  .muted {
    color: var(--keel-muted);
    margin: 0;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.95rem;
  }
  th,
  td {
    text-align: left;
    padding: 8px 6px;
    border-bottom: 1px solid var(--keel-border);
    vertical-align: top;
    overflow-wrap: anywhere;
  }
  th {
    color: var(--keel-muted);
    font-weight: 600;
  }
  .scroll {
    overflow-x: auto;
  }
  /* On a phone each row becomes a small card: no sideways scrolling, no one-letter columns. */
  @media (max-width: 640px) {
    thead {
      display: none;
    }
    tr {
      display: block;
      padding: 10px 0;
      border-bottom: 1px solid var(--keel-border);
    }
    td {
      display: block;
      border: none;
      padding: 2px 0;
    }
    td:empty {
      display: none;
    }
  }
`;
