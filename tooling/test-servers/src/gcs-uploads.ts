/**
 * Upload requests of the Cloud Storage test server: `uploadType=media`, `multipart` and
 * `resumable` (opening a session, then its chunks).
 */

import { GcsError, invalidArgument } from './gcs-errors.js';
import {
  commitObject,
  type Exchange,
  objectNameFrom,
  readJson,
  requireBucket,
  sendJson,
  verifyHashes,
} from './gcs-exchange.js';
import { parseMultipartUpload } from './gcs-multipart.js';
import { checkPreconditions } from './gcs-preconditions.js';
import { objectResource, pickObjectMetadata } from './gcs-resources.js';
import { applyChunk, openSession, parseContentRange } from './gcs-resumable.js';
import { header, readBody, send } from './http-helpers.js';

/**
 * `POST /upload/storage/v1/b/<bucket>/o`: a media or multipart upload, or the start of a
 * resumable one.
 */
export async function insertRequest(exchange: Exchange, bucketName: string): Promise<void> {
  const { state, query, request } = exchange;
  const uploadType = query.get('uploadType');
  if (uploadType === 'resumable') {
    await openResumable(exchange, bucketName);
    return;
  }
  const body = await readBody(request);
  let metadata: Record<string, unknown> = {};
  let data = body;
  let mediaType = header(request, 'content-type');
  if (uploadType === 'multipart') {
    const upload = parseMultipartUpload(mediaType, body);
    metadata = upload.metadata;
    data = upload.media;
    mediaType = upload.mediaType;
  } else if (uploadType !== 'media') {
    throw invalidArgument(`Unsupported uploadType: ${uploadType ?? '(none)'}`);
  }
  const name = objectNameFrom(query, metadata);
  requireBucket(state, bucketName);
  verifyHashes(data, header(request, 'x-goog-hash'), metadata);
  const picked = pickObjectMetadata(metadata);
  picked.contentType ??= mediaType;
  const object = commitObject(state, bucketName, name, data, picked, query);
  sendJson(exchange, 200, objectResource(object, state.baseUrl));
}

/** The precondition parameters of a request, kept with a session until it completes. */
function preconditionParameters(query: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams();
  for (const [key, value] of query) {
    if (/^if(Metag|G)eneration(Not)?Match$/.test(key)) kept.set(key, value);
  }
  return kept;
}

async function openResumable(exchange: Exchange, bucketName: string): Promise<void> {
  const { state, query, request } = exchange;
  const metadata = await readJson(request);
  const name = objectNameFrom(query, metadata);
  const bucket = requireBucket(state, bucketName);
  const preconditions = preconditionParameters(query);
  checkPreconditions(preconditions, bucket.objects.get(name), 'write');
  const picked = pickObjectMetadata(metadata);
  const uploadType = header(request, 'x-upload-content-type');
  if (uploadType !== undefined) picked.contentType = uploadType;
  const lengthHeader = header(request, 'x-upload-content-length');
  const session = openSession(
    bucketName,
    name,
    picked,
    preconditions,
    lengthHeader === undefined ? undefined : Number(lengthHeader),
  );
  state.sessions.set(session.id, session);
  const location = `${state.baseUrl}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
  send(request, exchange.response, 200, {
    Location: location,
    'X-GUploader-UploadID': session.id,
    'Content-Type': 'text/plain; charset=utf-8',
  });
}

/** A `PUT` (a chunk or a status query) or `DELETE` (cancel) on a resumable session. */
export async function sessionRequest(exchange: Exchange, uploadId: string): Promise<void> {
  const { state, request, response } = exchange;
  const body = await readBody(request);
  const session = state.sessions.get(uploadId);
  if (session === undefined) {
    throw new GcsError(404, 'notFound', 'No such upload session (unknown, cancelled or finished).');
  }
  if (request.method === 'DELETE') {
    state.sessions.delete(uploadId);
    send(request, response, 499);
    return;
  }
  const range = parseContentRange(header(request, 'content-range'), body.length);
  const outcome = applyChunk(session, range, body);
  if (!outcome.complete) {
    send(
      request,
      response,
      308,
      session.persisted > 0 ? { Range: `bytes=0-${session.persisted - 1}` } : {},
    );
    return;
  }
  state.sessions.delete(uploadId);
  verifyHashes(outcome.data, header(request, 'x-goog-hash'));
  const object = commitObject(
    state,
    session.bucket,
    session.name,
    outcome.data,
    session.metadata,
    session.preconditions,
  );
  sendJson(exchange, 200, objectResource(object, state.baseUrl));
}
