/**
 * Conditional headers of Azure Storage (`If-Match`, `If-None-Match`, `If-Modified-Since`,
 * `If-Unmodified-Since`, and their `x-ms-source-…` forms for the source of a rename). A failed
 * condition answers 412, 304 on a read, and `If-None-Match: *` on a write that would replace
 * something answers 409 `PathAlreadyExists` (`BlobAlreadyExists` on the Blob endpoint): the
 * create-if-absent write that commits rely on.
 */
import type { IncomingMessage } from 'node:http';
import {
  AdlsError,
  conditionNotMet,
  pathAlreadyExists,
  sourceConditionNotMet,
} from './adls-errors.js';
import { header } from './http-helpers.js';

/** The conditional headers of one request. */
export interface Conditions {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: Date | undefined;
  ifUnmodifiedSince: Date | undefined;
}

/** What a condition is tested against: an existing path or container, or nothing. */
export interface Versioned {
  etag: string;
  lastModified: Date;
}

function readDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Reads the conditional headers; `source` reads the `x-ms-source-…` ones. */
export function readConditions(request: IncomingMessage, source = false): Conditions {
  const prefix = source ? 'x-ms-source-' : '';
  return {
    ifMatch: header(request, `${prefix}if-match`),
    ifNoneMatch: header(request, `${prefix}if-none-match`),
    ifModifiedSince: readDate(header(request, `${prefix}if-modified-since`)),
    ifUnmodifiedSince: readDate(header(request, `${prefix}if-unmodified-since`)),
  };
}

function unquote(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

function etagListIncludes(list: string, etag: string): boolean {
  return list.split(',').some((candidate) => unquote(candidate) === etag);
}

/** Seconds since the epoch: HTTP dates have no finer precision. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * Throws when `conditions` do not hold for `target` (undefined when nothing exists there).
 * `kind` decides between 304 (read) and 412/409 (write); `source` reports a failure as
 * `SourceConditionNotMet`.
 */
export function checkConditions(
  conditions: Conditions,
  target: Versioned | undefined,
  kind: 'read' | 'write',
  source = false,
): void {
  const failed = source ? sourceConditionNotMet : conditionNotMet;
  const notModified = () =>
    kind === 'read' ? new AdlsError(304, 'ConditionNotMet', 'Not Modified') : failed();
  const { ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince } = conditions;
  if (ifMatch !== undefined) {
    if (target === undefined) throw failed();
    if (ifMatch.trim() !== '*' && !etagListIncludes(ifMatch, target.etag)) throw failed();
  }
  if (ifNoneMatch !== undefined && target !== undefined) {
    if (ifNoneMatch.trim() === '*') {
      throw kind === 'write' && !source ? pathAlreadyExists() : notModified();
    }
    if (etagListIncludes(ifNoneMatch, target.etag)) throw notModified();
  }
  if (target === undefined) return;
  if (ifModifiedSince !== undefined && seconds(target.lastModified) <= seconds(ifModifiedSince)) {
    throw notModified();
  }
  if (
    ifUnmodifiedSince !== undefined &&
    seconds(target.lastModified) > seconds(ifUnmodifiedSince)
  ) {
    throw failed();
  }
}
