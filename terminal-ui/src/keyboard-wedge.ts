/**
 * A keyboard-wedge scanner types a code and Enter faster than any person. This listens on the
 * whole page (capture phase), so a scan lands in the sale wherever the focus is; the characters it
 * typed into a focused field are taken back out.
 *
 * A burst is the characters typed since the last Enter with no pause over PAUSE_MS; it is a scan
 * when it has MIN_LENGTH characters or more and they came at MAX_MEAN_GAP_MS or faster on average
 * (a busy machine can delay one key; a person cannot keep this pace for a whole code).
 */
const MIN_LENGTH = 6;
const MAX_MEAN_GAP_MS = 50;
const PAUSE_MS = 400;

export function listenForScans(target: Window, onScan: (code: string) => void): () => void {
  let buffer = '';
  let first = 0;
  let last = 0;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      const code = buffer;
      const meanGap = (e.timeStamp - first) / Math.max(code.length, 1);
      buffer = '';
      if (code.length >= MIN_LENGTH && meanGap <= MAX_MEAN_GAP_MS && e.timeStamp - last <= PAUSE_MS) {
        e.preventDefault();
        e.stopImmediatePropagation();
        const field = deepActiveElement(target.document);
        if (field instanceof HTMLInputElement && field.value.endsWith(code)) {
          field.value = field.value.slice(0, -code.length);
          field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
        }
        onScan(code);
      }
      return;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) {
      buffer = '';
      return;
    }
    if (buffer === '' || e.timeStamp - last > PAUSE_MS) {
      buffer = e.key;
      first = e.timeStamp;
    } else {
      buffer += e.key;
    }
    last = e.timeStamp;
  };
  target.addEventListener('keydown', onKey, { capture: true });
  return () => target.removeEventListener('keydown', onKey, { capture: true });
}

function deepActiveElement(doc: Document): Element | null {
  let el = doc.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}
