/**
 * Resumable upload sessions of the Cloud Storage JSON API: a session is opened with
 * `uploadType=resumable` and answered with a `Location`; the bytes then arrive in one or more
 * `PUT`s with `Content-Range`. A chunk that does not finish the object is answered with
 * `308 Resume Incomplete` and a `Range` header naming the bytes persisted so far, which (as
 * in Cloud Storage) is always a multiple of 256 KiB: the client must resend the rest.
 */
import { randomUUID } from 'node:crypto';
import { invalidArgument } from './gcs-errors.js';
import type { GcsObjectMetadata } from './gcs-resources.js';

/** Non-final chunks are persisted in multiples of this many bytes. */
export const resumableQuantum = 256 * 1024;

/** An open resumable upload. */
export interface ResumableSession {
  readonly id: string;
  readonly bucket: string;
  readonly name: string;
  readonly metadata: GcsObjectMetadata;
  /** The precondition parameters given when the session was opened; checked again at the end. */
  readonly preconditions: URLSearchParams;
  /** `X-Upload-Content-Length`, when the client announced the size. */
  readonly declaredSize: number | undefined;
  chunks: Buffer[];
  persisted: number;
}

/** A parsed `Content-Range` request header. */
export interface ContentRange {
  /** First byte of this request's body; undefined for a status query (`bytes *\/…`). */
  start: number | undefined;
  /** Last byte (inclusive); undefined when the client left it open (`bytes 0-*\/…`). */
  end: number | undefined;
  /** The object's total size; undefined while unknown (`…/*`). */
  total: number | undefined;
}

/** Opens a session. */
export function openSession(
  bucket: string,
  name: string,
  metadata: GcsObjectMetadata,
  preconditions: URLSearchParams,
  declaredSize: number | undefined,
): ResumableSession {
  return {
    id: randomUUID().replaceAll('-', ''),
    bucket,
    name,
    metadata,
    preconditions,
    declaredSize,
    chunks: [],
    persisted: 0,
  };
}

/** Parses `Content-Range`; a missing header means the body is the whole object. */
export function parseContentRange(value: string | undefined, bodyLength: number): ContentRange {
  if (value === undefined) return { start: 0, end: bodyLength - 1, total: bodyLength };
  const match = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(value.trim());
  if (match === null) throw invalidArgument(`Invalid Content-Range: ${value}`);
  const [, start, end, total] = match;
  return {
    start: start === undefined ? undefined : Number(start),
    end: end === undefined || end === '*' ? undefined : Number(end),
    total: total === undefined || total === '*' ? undefined : Number(total),
  };
}

/** What a chunk did to its session. */
export type ChunkOutcome = { complete: true; data: Buffer } | { complete: false };

/**
 * Applies one `PUT` to `session`: appends the body's new bytes, and says whether the object
 * is complete. Bytes the session already holds (a resent overlap) are skipped.
 */
export function applyChunk(
  session: ResumableSession,
  range: ContentRange,
  body: Buffer,
): ChunkOutcome {
  const total = range.total ?? session.declaredSize;
  if (range.start !== undefined) {
    if (range.start > session.persisted) {
      throw invalidArgument(
        `Content-Range starts at byte ${range.start}, but only ${session.persisted} bytes have been persisted.`,
      );
    }
    if (range.end !== undefined && range.end - range.start + 1 !== body.length) {
      throw invalidArgument(
        `Content-Range covers ${range.end - range.start + 1} bytes, but the body has ${body.length}.`,
      );
    }
    const fresh = body.subarray(session.persisted - range.start);
    if (fresh.length > 0) session.chunks.push(fresh);
    session.persisted += fresh.length;
  }
  // An open end (`bytes 0-*/*`) means this body is the rest of the object.
  const finalSize =
    total ?? (range.start !== undefined && range.end === undefined ? session.persisted : undefined);
  if (finalSize !== undefined && session.persisted > finalSize) {
    throw invalidArgument(
      `The upload holds ${session.persisted} bytes, more than the declared ${finalSize}.`,
    );
  }
  if (finalSize !== undefined && session.persisted === finalSize) {
    return { complete: true, data: Buffer.concat(session.chunks) };
  }
  // Keep only whole quanta of a chunk that does not finish the object.
  const keep = Math.floor(session.persisted / resumableQuantum) * resumableQuantum;
  if (keep < session.persisted) {
    const data = Buffer.concat(session.chunks).subarray(0, keep);
    session.chunks = keep === 0 ? [] : [data];
    session.persisted = keep;
  }
  return { complete: false };
}
