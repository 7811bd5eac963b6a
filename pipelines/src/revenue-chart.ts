import { PngImage } from './png-image.js';

const BAR: readonly [number, number, number] = [37, 99, 235];
const PREVIOUS: readonly [number, number, number] = [203, 213, 225];
const AXIS: readonly [number, number, number] = [100, 116, 139];

/**
 * The report's chart: one bar per day of the period, with the same day of the previous period as
 * a pale bar behind it. Labels are in the mail's HTML and text, not in the picture.
 */
export function revenueChart(current: readonly number[], previous: readonly number[], width = 560, height = 200): Buffer {
  const img = new PngImage(width, height);
  const pad = 10;
  const max = Math.max(1, ...current, ...previous);
  const n = Math.max(1, current.length);
  const slot = (width - 2 * pad) / n;
  const plotH = height - 2 * pad;
  for (let i = 0; i < n; i++) {
    const x = pad + i * slot;
    const prev = previous[i] ?? 0;
    const cur = current[i] ?? 0;
    const hp = (Math.max(0, prev) / max) * plotH;
    const hc = (Math.max(0, cur) / max) * plotH;
    img.fillRect(x + slot * 0.1, height - pad - hp, slot * 0.8, hp, PREVIOUS);
    img.fillRect(x + slot * 0.25, height - pad - hc, slot * 0.5, hc, BAR);
  }
  img.fillRect(pad, height - pad, width - 2 * pad, 1, AXIS);
  return img.encode();
}
