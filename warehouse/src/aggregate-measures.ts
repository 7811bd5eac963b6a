/** Column type of every amount: integer minor units, compressed well by T64 + ZSTD. */
export const MONEY = 'Int64 CODEC(T64, ZSTD(1))';

/**
 * The measures every sale aggregate keeps, as columns of a SummingMergeTree. `tickets` counts
 * lines with line_no = 1 (lines are numbered from 1), so it sums correctly across any grain
 * that does not split a sale.
 */
export const MEASURE_COLUMNS = `
  lines UInt64,
  tickets UInt64,
  items_milli Int64,
  revenue Int64,
  net Int64,
  tax Int64,
  discount Int64,
  cost Int64`;
