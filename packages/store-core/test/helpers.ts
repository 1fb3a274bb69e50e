import { Float64, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';

/** A small trips table: ids `start` … `start + count - 1`, plain (not dictionary) strings. */
export function trips(start: number, count: number): Table {
  const ids = Array.from({ length: count }, (_, index) => BigInt(start + index));
  return new Table({
    id: vectorFromArray(ids, new Int64()),
    city: vectorFromArray(
      ids.map((id) => (id % 2n === 0n ? 'Oslo' : 'Lyon')),
      new Utf8(),
    ),
    fare: vectorFromArray(
      ids.map((id) => Number(id) * 1.5),
      new Float64(),
    ),
  });
}

let counter = 0;
/** A table name unique within the test run. */
export function uniqueTable(prefix = 't'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}
