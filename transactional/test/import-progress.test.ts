import { describe, expect, it } from 'vitest';
import { ImportProgressBoard } from '../src/import-progress.js';

describe('import progress board', () => {
  it('shows an import only to the one who started it, while it runs and for five minutes after', () => {
    const board = new ImportProgressBoard();
    const t0 = 1_000_000;
    board.update('user:1', 'upload-1', { phase: 'reading', bytes: 10, rows: 5000 }, false, t0);
    expect(board.get('user:1', 'upload-1', t0 + 3_600_000)).toEqual({ phase: 'reading', bytes: 10, rows: 5000, finished: false });
    expect(board.get('user:2', 'upload-1', t0)).toBeUndefined();
    board.update('user:1', 'upload-1', { phase: 'done', bytes: 20, rows: 9000 }, true, t0);
    expect(board.get('user:1', 'upload-1', t0 + 299_000)).toMatchObject({ phase: 'done', finished: true });
    expect(board.get('user:1', 'upload-1', t0 + 301_000)).toBeUndefined();
  });

  it('forgets the oldest entries past a thousand', () => {
    const board = new ImportProgressBoard();
    for (let i = 0; i < 1005; i++) board.update('user:1', `upload-${i}`, { phase: 'reading', bytes: 0, rows: 0 });
    expect(board.get('user:1', 'upload-0')).toBeUndefined();
    expect(board.get('user:1', 'upload-1004')).toBeDefined();
  });
});
