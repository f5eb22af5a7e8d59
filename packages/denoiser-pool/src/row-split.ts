/**
 * How the rows of one model call are shared among workers: contiguous ranges whose sizes
 * differ by at most one (the first `rows % workers` ranges take one more), never an empty one.
 */

/** A half-open range of rows `[start, end)`. */
export type RowRange = readonly [start: number, end: number];

/**
 * Splits `rows` rows among at most `workers` workers.
 *
 * @example
 * splitRows(18, 2); // [[0, 9], [9, 18]]
 * splitRows(3, 2);  // [[0, 2], [2, 3]]
 * splitRows(1, 4);  // [[0, 1]]
 */
export function splitRows(rows: number, workers: number): RowRange[] {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`rows must be an integer >= 1, got ${rows}`);
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer >= 1, got ${workers}`);
  const parts = Math.min(rows, workers);
  const base = Math.floor(rows / parts);
  const extra = rows % parts;
  const ranges: RowRange[] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}
