/**
 * Clients from a `pg.Pool`, leased for one operation (or one run) and always given back:
 * a client whose connection failed is destroyed instead of returned, so that the pool never
 * hands out a connection a server restart has broken.
 */
import { SimulatedCrash } from '@wharf/store-core';
import type pg from 'pg';
import { isConnectionFailure } from './postgres-errors.js';

/** A client taken from the pool. */
export class Lease {
  readonly client: pg.PoolClient;
  /** Set when the connection failed: the client is destroyed on release. */
  broken = false;
  /** The error that broke the connection, when one was seen. */
  error: unknown;
  #released = false;
  readonly #onError = (error: Error): void => {
    this.broken = true;
    this.error ??= error;
  };

  constructor(client: pg.PoolClient) {
    this.client = client;
    // A checked-out client has no listener of the pool's: without one, a connection lost
    // between two queries would be an unhandled 'error' event.
    client.on('error', this.#onError);
  }

  /** Marks the lease broken when `error` says the connection failed. */
  observe(error: unknown): void {
    if (!isConnectionFailure(error)) return;
    this.broken = true;
    this.error ??= error;
  }

  /**
   * Destroys the connection now: the server then rolls back whatever it was doing (an open
   * COPY, a transaction) and frees its locks, as it would for a process that died.
   */
  fail(): void {
    this.broken = true;
    this.release();
  }

  /** Returns the client to the pool, or destroys it when broken. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.client.removeListener('error', this.#onError);
    this.client.release(this.broken ? true : undefined);
  }
}

/** Takes a client from `pool`. */
export async function lease(pool: pg.Pool): Promise<Lease> {
  return new Lease(await pool.connect());
}

/** Runs `action` with a client of `pool`, released afterwards (destroyed if broken). */
export async function withLease<T>(
  pool: pg.Pool,
  action: (lease: Lease) => Promise<T>,
): Promise<T> {
  const leased = await lease(pool);
  try {
    return await action(leased);
  } catch (error) {
    leased.observe(error);
    throw error;
  } finally {
    leased.release();
  }
}

/**
 * Runs `action` inside `BEGIN … COMMIT` on the lease's client. On failure the transaction is
 * rolled back; a simulated crash instead destroys the connection, as a dying process would, so
 * the server rolls back and frees the transaction's locks.
 */
export async function inTransaction<T>(leased: Lease, action: () => Promise<T>): Promise<T> {
  await leased.client.query('BEGIN');
  try {
    const result = await action();
    await leased.client.query('COMMIT');
    return result;
  } catch (error) {
    leased.observe(error);
    if (SimulatedCrash.isInstance(error)) leased.fail();
    if (!leased.broken) {
      try {
        await leased.client.query('ROLLBACK');
      } catch {
        leased.broken = true;
      }
    }
    throw error;
  }
}
