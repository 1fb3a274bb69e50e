/**
 * The key layout of one store. Every key starts with the hash tag `{<prefix>:<table>}`, so a
 * store's keys all hash to one slot: on Redis Cluster they live on one shard, and scripts and
 * transactions may touch any of them. The README's key layout table documents each key.
 */

/** The names of one store's keys. */
export class KeySpace {
  /** The hash tag every key starts with, e.g. `{wharf:trips}`. */
  readonly base: string;
  /** String: the version production reads. Absent until the first commit. */
  readonly current: string;
  /** Counter: versions and run ordinals are allocated from it. */
  readonly sequence: string;
  /** Counter: incremented by every change of production. */
  readonly epoch: string;
  /** Sorted set: the last 1000 published run ids, scored by the epoch of their commit. */
  readonly runs: string;
  /** Hash: run id → journal entry (JSON). */
  readonly journal: string;
  /** Hash: run id → where the run stages (JSON). */
  readonly staging: string;
  /** Set: versions replaced by a commit, waiting to be removed. */
  readonly retired: string;
  /** Set: run ids of large publishes copying production right now. */
  readonly copying: string;
  /** Sorted set: identifiers of rows changed while a large publish copies, scored by epoch. */
  readonly changes: string;
  /** Hash: schema hash → encoded Arrow schema, for every schema a version has had. */
  readonly schemas: string;

  constructor(prefix: string, table: string) {
    this.base = `{${prefix}:${table}}`;
    this.current = `${this.base}:current`;
    this.sequence = `${this.base}:seq`;
    this.epoch = `${this.base}:epoch`;
    this.runs = `${this.base}:runs`;
    this.journal = `${this.base}:journal`;
    this.staging = `${this.base}:staging`;
    this.retired = `${this.base}:retired`;
    this.copying = `${this.base}:copying`;
    this.changes = `${this.base}:changes`;
    this.schemas = `${this.base}:schemas`;
  }

  /** The hash of version `version`'s metadata (`schema`, `schemaHash`). */
  meta(version: string): string {
    return `${this.base}:v${version}:meta`;
  }

  /** The ordered index (sorted set of row identifiers) of version `version`'s visible rows. */
  index(version: string): string {
    return `${this.base}:v${version}:index`;
  }

  /** The sorted set of version `version`'s soft-deleted rows. */
  deleted(version: string): string {
    return `${this.base}:v${version}:deleted`;
  }

  /** The prefix of version `version`'s row hashes; the row identifier follows. */
  rowPrefix(version: string): string {
    return `${this.base}:v${version}:row:`;
  }

  /** The hash of row `member` in version `version`. */
  row(version: string, member: string): string {
    return `${this.rowPrefix(version)}${member}`;
  }

  /**
   * A key that only the staging guard (see redis-scripts.ts) writes, and deletes at once: the
   * staging transactions of run `runId` watch it.
   */
  stageGuard(runId: string): string {
    return `${this.base}:stage:${runId}:guard`;
  }

  /** Set: the identifiers a large publish of run `runId` copied from production into its version. */
  copied(runId: string): string {
    return `${this.base}:stage:${runId}:copied`;
  }
}
