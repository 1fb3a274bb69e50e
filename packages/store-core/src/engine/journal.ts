/**
 * The run journal: one small entry per run, written by the engine through the backend's
 * primitives, so that a new process can tell what a crashed one left and finish or undo it.
 */
import { hostname } from 'node:os';
import type { RunType } from '../capabilities.js';

/** Who runs a run: enough to tell, from another process, whether it is still alive. */
export interface RunOwner {
  readonly host: string;
  readonly pid: number;
  /** Unique per engine instance, so that runs of a crashed instance in a live process count as dead. */
  readonly instance: string;
}

/** A staged part, as the backend described it when staging it. Must be JSON-serializable. */
export interface StagedPart {
  /** 0-based position in the run. */
  readonly index: number;
  readonly rows: number;
  readonly bytes: number;
  /** The backend's locator of the part (a file name, a staging key, a row range…). */
  readonly ref: string;
}

/** One run's journal entry. JSON-serializable. */
export interface JournalEntry {
  readonly runId: string;
  readonly runType: RunType;
  /** `staging`: parts may exist, nothing is published. `committing`: publish has begun. */
  readonly state: 'staging' | 'committing';
  readonly owner: RunOwner;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** The parts to publish; complete once `state` is `committing`. */
  readonly parts: readonly StagedPart[];
  /** The run's Arrow schema as a base64 Arrow IPC stream with no rows, once known. */
  readonly schema?: string;
}

/** A run being written: what the primitives receive. */
export interface RunInfo {
  readonly runId: string;
  readonly runType: RunType;
  readonly startedAt: string;
}

// Engine instances alive in this process, shared by every copy of store-core loaded in it.
const LIVE_KEY = Symbol.for('wharf.store.live-instances');
const globals = globalThis as unknown as Record<symbol, Set<string> | undefined>;
const liveInstances: Set<string> = globals[LIVE_KEY] ?? new Set<string>();
globals[LIVE_KEY] = liveInstances;

/** Marks an engine instance alive in this process (until `markDead`). */
export function markAlive(instance: string): void {
  liveInstances.add(instance);
}

/** Marks an engine instance dead (it crashed, or it was closed). */
export function markDead(instance: string): void {
  liveInstances.delete(instance);
}

/** The owner record of an engine instance in this process. */
export function ownerOf(instance: string): RunOwner {
  return { host: hostname(), pid: process.pid, instance };
}

/**
 * Whether the owner of a journal entry may still be working on it. Same process: the instance
 * must be registered alive. Same host: its process must exist. Another host: its entry must
 * have been updated within `staleAfterMs`.
 */
export function isOwnerAlive(entry: JournalEntry, staleAfterMs: number, now = Date.now()): boolean {
  const { owner } = entry;
  if (owner.host === hostname()) {
    if (owner.pid === process.pid) return liveInstances.has(owner.instance);
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return now - Date.parse(entry.updatedAt) < staleAfterMs;
}
