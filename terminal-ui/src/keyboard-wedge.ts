/**
 * A keyboard-wedge scanner types a code and Enter faster than any person. This listens on the
 * whole page (capture phase), so a scan lands in the sale wherever the focus is; the digits it
 * typed into a focused field are taken back out.
 */
const MAX_GAP_MS = 40;
const MIN_LENGTH = 6;

export function listenForScans(target: Window, onScan: (code: string) => void): () => void {
  let buffer = '';
  let last = 0;
  const onKey = (e: KeyboardEvent) => {
    const gap = e.timeStamp - last;
    if (e.key === 'Enter') {
      const code = buffer;
      buffer = '';
      if (code.length >= MIN_LENGTH && gap <= MAX_GAP_MS) {
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
    buffer = gap <= MAX_GAP_MS ? buffer + e.key : e.key;
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
