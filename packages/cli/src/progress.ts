/**
 * Progress of a copy: a bar redrawn in place on a terminal, plain lines otherwise (CI logs,
 * pipes), at most one line every few seconds.
 */
import type { FlowProgress } from '@wharf/store-core';

/** Formats a count with thousands separators. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats bytes as B, kB, MB or GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Where progress goes: a TTY gets a redrawn bar, anything else plain lines. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Renders flow progress. Call `update` after each batch and `done` at the end. */
export class ProgressReporter {
  readonly #output: ProgressOutput;
  readonly #started = performance.now();
  #lastLine = 0;
  #frame = 0;
  #drawn = false;

  constructor(output: ProgressOutput) {
    this.#output = output;
  }

  /** Shows the progress of the current attempt. */
  update(progress: FlowProgress): void {
    const now = performance.now();
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? progress.rows / seconds : 0;
    const text = `attempt ${progress.attempt}  ${formatCount(progress.rows)} rows  ${formatBytes(progress.bytes)}  ${formatCount(rate)} rows/s`;
    if (this.#output.isTTY) {
      if (now - this.#lastLine < 100) return;
      this.#lastLine = now;
      this.#frame = (this.#frame + 1) % 20;
      const bar = Array.from({ length: 20 }, (_, index) =>
        Math.abs(index - this.#frame) < 3 ? '=' : ' ',
      ).join('');
      this.#output.write(`\r[${bar}] ${text}\u001b[K`);
      this.#drawn = true;
      return;
    }
    if (now - this.#lastLine < 2000) return;
    this.#lastLine = now;
    this.#output.write(`${text}\n`);
  }

  /** Prints a line above the bar (a retry, a warning). */
  note(line: string): void {
    this.#clear();
    this.#output.write(`${line}\n`);
  }

  /** Removes the bar. */
  done(): void {
    this.#clear();
  }

  #clear(): void {
    if (this.#drawn) this.#output.write('\r\u001b[K');
    this.#drawn = false;
  }
}
