import { describe, expect, it } from 'vitest';
import { forecastAlert, reorderSuggestion } from '../src/index.js';

describe('reorder suggestions from the forecast', () => {
  it('orders what covers lead time and review period plus safety stock, less what is on hand', () => {
    const mean = new Array(28).fill(10);
    const upper = new Array(28).fill(14);
    // 7 days lead + 7 review = 140 expected; safety = 7 x (14 - 10) = 28; 30 on hand.
    expect(reorderSuggestion({ mean, upper, onHand: 30, leadTimeDays: 7 })).toEqual({ order: 138, needed: 168, daysOfCover: 3, atRisk: true });
    expect(reorderSuggestion({ mean, upper, onHand: 500, leadTimeDays: 7 })).toMatchObject({ order: 0, daysOfCover: 50, atRisk: false });
    expect(reorderSuggestion({ mean: new Array(28).fill(0), upper: new Array(28).fill(0), onHand: 5, leadTimeDays: 7 })).toMatchObject({
      order: 0,
      daysOfCover: Number.POSITIVE_INFINITY,
      atRisk: false,
    });
  });
});

describe('alert when today runs far outside the forecast', () => {
  it('compares takings so far with the interval scaled to the share of the day done', () => {
    // Half the usual day done: expected 400..600 by now for a 800..1200 day.
    expect(forecastAlert(300, 800, 1200, 0.5)).toEqual({ level: 'below', actual: 300, lower: 400, upper: 600 });
    expect(forecastAlert(700, 800, 1200, 0.5)).toEqual({ level: 'above', actual: 700, lower: 400, upper: 600 });
    expect(forecastAlert(500, 800, 1200, 0.5)).toBeNull();
    expect(forecastAlert(0, 800, 1200, 0.1)).toBeNull(); // too early to tell
  });
});
