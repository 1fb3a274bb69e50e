/**
 * Paging for the record API on Redis: whether a query reads rows in the index's order, and a
 * collector that keeps only the rows a page needs while rows arrive in any order. The row
 * semantics themselves (`where`, ordering, page bounds) are store-core's, shared with the
 * reference store.
 */
import { type OrderBy, type Row, rowComparator } from '@wharf/store-core';

/** Whether `terms` is exactly the key ascending: the order of the index. */
export function isKeyOrder(terms: readonly Required<OrderBy>[], key: readonly string[]): boolean {
  return (
    terms.length === key.length &&
    terms.every((term, position) => term.column === key[position] && term.direction === 'asc')
  );
}

/**
 * Collects the rows of one page from rows arriving in any order, holding at most about twice
 * `offset + limit` rows (all of them when there is no limit).
 */
export class PageCollector {
  readonly #compare: (left: Row, right: Row) => number;
  readonly #keep: number;
  readonly #offset: number;
  readonly #limit: number;
  #rows: Row[] = [];

  constructor(terms: readonly Required<OrderBy>[], bounds: { offset: number; limit: number }) {
    this.#compare = rowComparator(terms);
    this.#offset = bounds.offset;
    this.#limit = bounds.limit;
    this.#keep = bounds.offset + bounds.limit;
  }

  add(row: Row): void {
    this.#rows.push(row);
    if (Number.isFinite(this.#keep) && this.#rows.length >= Math.max(2 * this.#keep, 1024)) {
      this.#rows.sort(this.#compare);
      this.#rows.length = this.#keep;
    }
  }

  /** The page: sorted, then offset and limit applied. */
  page(): Row[] {
    this.#rows.sort(this.#compare);
    return this.#rows.slice(this.#offset, this.#offset + this.#limit);
  }
}
