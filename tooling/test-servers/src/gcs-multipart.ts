/**
 * The `multipart/related` body of a Cloud Storage multipart upload: a JSON part with the
 * object's metadata, then a part with its bytes.
 */
import { invalidArgument } from './gcs-errors.js';

/** The two parts of a multipart upload. */
export interface MultipartUpload {
  metadata: Record<string, unknown>;
  media: Buffer;
  /** The `Content-Type` of the media part. */
  mediaType: string | undefined;
}

interface Part {
  headers: Map<string, string>;
  body: Buffer;
}

function splitParts(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let position = body.indexOf(delimiter);
  while (position !== -1) {
    let start = position + delimiter.length;
    // The closing delimiter is `--boundary--`.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next === -1) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headerText = headerEnd === -1 ? '' : part.subarray(0, headerEnd).toString('utf8');
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    parts.push({ headers, body: headerEnd === -1 ? part : part.subarray(headerEnd + 4) });
    position = next + 2;
  }
  return parts;
}

/** Parses a multipart upload body; `contentType` is the request's `Content-Type` header. */
export function parseMultipartUpload(
  contentType: string | undefined,
  body: Buffer,
): MultipartUpload {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (boundary === undefined || !/^multipart\/related/i.test(contentType ?? '')) {
    throw invalidArgument('A multipart upload needs a multipart/related body with a boundary.');
  }
  const [metadataPart, mediaPart] = splitParts(body, boundary);
  if (metadataPart === undefined || mediaPart === undefined) {
    throw invalidArgument('A multipart upload needs a metadata part and a media part.');
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(metadataPart.body.toString('utf8') || '{}');
  } catch {
    throw invalidArgument('The metadata part of the multipart upload is not valid JSON.');
  }
  if (metadata === null || typeof metadata !== 'object') {
    throw invalidArgument('The metadata part of the multipart upload must be a JSON object.');
  }
  return {
    metadata: metadata as Record<string, unknown>,
    media: mediaPart.body,
    mediaType: mediaPart.headers.get('content-type'),
  };
}
