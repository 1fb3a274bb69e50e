/**
 * Operation metrics per store: counts, latency percentiles, rows, bytes, parts and commits.
 * `store.metrics()` returns a snapshot. When `@opentelemetry/api` is installed, the same figures
 * are also recorded on the global meter provider (meter `@wharf/store-core`).
 */

/** Latency summary in milliseconds. */
export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
}

/** Counts and latency of one operation. */
export interface OperationMetrics {
  total: number;
  succeeded: number;
  failed: number;
  latencyMs: LatencySummary;
}

/** What `store.metrics()` returns. */
export interface MetricsSnapshot {
  operations: { total: number; succeeded: number; failed: number };
  latencyMs: LatencySummary;
  /** Rows committed. */
  rows: number;
  /** Bytes of Arrow data committed. */
  bytes: number;
  /** Parts staged. */
  parts: number;
  /** Runs committed. */
  commits: number;
  byOperation: Record<string, OperationMetrics>;
}

const SAMPLE_LIMIT = 2048;

interface OperationState {
  total: number;
  succeeded: number;
  failed: number;
  sum: number;
  samples: number[];
}

interface OtelInstruments {
  operations: { add(value: number, attributes: Record<string, string>): void };
  duration: { record(value: number, attributes: Record<string, string>): void };
  rows: { add(value: number, attributes: Record<string, string>): void };
  bytes: { add(value: number, attributes: Record<string, string>): void };
}

let instruments: Promise<OtelInstruments | undefined> | undefined;

function loadInstruments(): Promise<OtelInstruments | undefined> {
  instruments ??= import('@opentelemetry/api' as string)
    .then((api: { metrics: { getMeter(name: string): Record<string, CallableFunction> } }) => {
      const meter = api.metrics.getMeter('@wharf/store-core');
      return {
        operations: meter.createCounter!('wharf.store.operations'),
        duration: meter.createHistogram!('wharf.store.operation.duration', { unit: 'ms' }),
        rows: meter.createCounter!('wharf.store.rows'),
        bytes: meter.createCounter!('wharf.store.bytes', { unit: 'By' }),
      } as OtelInstruments;
    })
    .catch(() => undefined);
  return instruments;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function summarize(samples: readonly number[], sum: number, count: number): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right);
  return {
    mean: count === 0 ? 0 : sum / count,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
  };
}

/** Collects one store's metrics. */
export class MetricsRecorder {
  readonly #store: string;
  readonly #operations = new Map<string, OperationState>();
  #rows = 0;
  #bytes = 0;
  #parts = 0;
  #commits = 0;
  #otel: OtelInstruments | undefined;

  constructor(store: string) {
    this.#store = store;
  }

  /** Runs `action`, recording its outcome and latency under `operation`. */
  async track<T>(operation: string, action: () => Promise<T>): Promise<T> {
    // Resolved once per process (the optional peer is looked up on the first operation).
    this.#otel ??= await loadInstruments();
    const started = performance.now();
    let succeeded = false;
    try {
      const result = await action();
      succeeded = true;
      return result;
    } finally {
      this.#record(operation, performance.now() - started, succeeded);
    }
  }

  /** Counts a committed run. */
  addCommit(rows: number, bytes: number): void {
    this.#rows += rows;
    this.#bytes += bytes;
    this.#commits += 1;
    this.#otel?.rows.add(rows, { store: this.#store });
    this.#otel?.bytes.add(bytes, { store: this.#store });
  }

  /** Counts staged parts. */
  addParts(count: number): void {
    this.#parts += count;
  }

  /** The figures so far. */
  snapshot(): MetricsSnapshot {
    const byOperation: Record<string, OperationMetrics> = {};
    let total = 0;
    let succeeded = 0;
    let failed = 0;
    let sum = 0;
    const samples: number[] = [];
    for (const [name, state] of this.#operations) {
      byOperation[name] = {
        total: state.total,
        succeeded: state.succeeded,
        failed: state.failed,
        latencyMs: summarize(state.samples, state.sum, state.total),
      };
      total += state.total;
      succeeded += state.succeeded;
      failed += state.failed;
      sum += state.sum;
      samples.push(...state.samples);
    }
    return {
      operations: { total, succeeded, failed },
      latencyMs: summarize(samples, sum, total),
      rows: this.#rows,
      bytes: this.#bytes,
      parts: this.#parts,
      commits: this.#commits,
      byOperation,
    };
  }

  #record(operation: string, milliseconds: number, succeeded: boolean): void {
    let state = this.#operations.get(operation);
    if (!state) {
      state = { total: 0, succeeded: 0, failed: 0, sum: 0, samples: [] };
      this.#operations.set(operation, state);
    }
    state.total += 1;
    if (succeeded) state.succeeded += 1;
    else state.failed += 1;
    state.sum += milliseconds;
    if (state.samples.length >= SAMPLE_LIMIT) state.samples.shift();
    state.samples.push(milliseconds);
    const attributes = { store: this.#store, operation, outcome: succeeded ? 'ok' : 'error' };
    this.#otel?.operations.add(1, attributes);
    this.#otel?.duration.record(milliseconds, attributes);
  }
}
