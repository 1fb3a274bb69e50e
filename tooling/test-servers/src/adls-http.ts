/**
 * What the ADLS Gen2 test server's DFS and Blob handlers share: the request being answered,
 * the headers every Azure Storage response carries, and the translation between stored
 * properties and their request and response headers.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AdlsEndpoint } from './adls-errors.js';
import { invalidHeaderValue } from './adls-errors.js';
import type { ContentSettings, FileSystem, FileSystems, PathEntry } from './adls-paths.js';
import { header, send } from './http-helpers.js';

/** One request on its way through the server. */
export interface AdlsExchange {
  fileSystems: FileSystems;
  account: string;
  /** `http://127.0.0.1:<port>/<account>`. */
  accountUrl: string;
  request: IncomingMessage;
  response: ServerResponse;
  query: URLSearchParams;
  endpoint: AdlsEndpoint;
  requestId: string;
}

/** The version the server reports when a request names none. */
const defaultServiceVersion = '2025-01-05';

/** Sends a response with the headers every Azure Storage response carries. */
export function reply(
  exchange: AdlsExchange,
  status: number,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string | object,
): void {
  send(
    exchange.request,
    exchange.response,
    status,
    {
      'x-ms-request-id': exchange.requestId,
      'x-ms-version': header(exchange.request, 'x-ms-version') ?? defaultServiceVersion,
      ...(header(exchange.request, 'x-ms-client-request-id') === undefined
        ? {}
        : { 'x-ms-client-request-id': header(exchange.request, 'x-ms-client-request-id') }),
      Date: new Date().toUTCString(),
      ...headers,
    },
    body,
  );
}

/** An ETag as a header value (quoted). */
export function quoted(etag: string): string {
  return `"${etag}"`;
}

/**
 * Decodes `x-ms-properties` (`name=base64value,…`), the DFS endpoint's form of user metadata.
 */
export function readProperties(request: IncomingMessage): Record<string, string> | undefined {
  const value = header(request, 'x-ms-properties');
  if (value === undefined) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) throw invalidHeaderValue('x-ms-properties');
    properties[pair.slice(0, equals).trim()] = Buffer.from(
      pair.slice(equals + 1),
      'base64',
    ).toString('utf8');
  }
  return properties;
}

/** Encodes user metadata as `x-ms-properties`. */
export function propertiesHeader(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([name, value]) => `${name}=${Buffer.from(value).toString('base64')}`)
    .join(',');
}

/** Reads the Blob endpoint's user metadata headers (`x-ms-meta-<name>`). */
export function readBlobMetadata(request: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-ms-meta-') && value !== undefined) {
      metadata[name.slice('x-ms-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return metadata;
}

/** User metadata as `x-ms-meta-<name>` response headers. */
export function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [`x-ms-meta-${name}`, value]),
  );
}

/**
 * Reads content settings from headers named with `prefix`: `x-ms-content-` on the DFS
 * endpoint (`x-ms-content-type`, …), `x-ms-blob-content-` on the Blob endpoint.
 */
export function readContentSettings(
  request: IncomingMessage,
  prefix: 'x-ms-content-' | 'x-ms-blob-content-',
): ContentSettings | undefined {
  const cacheControlHeader =
    prefix === 'x-ms-content-' ? 'x-ms-cache-control' : 'x-ms-blob-cache-control';
  const settings: ContentSettings = {
    contentType: header(request, `${prefix}type`),
    contentEncoding: header(request, `${prefix}encoding`),
    contentLanguage: header(request, `${prefix}language`),
    contentDisposition: header(request, `${prefix}disposition`),
    cacheControl: header(request, cacheControlHeader),
    contentMd5: header(request, `${prefix}md5`),
  };
  const present = Object.entries(settings).filter(([, value]) => value !== undefined);
  return present.length === 0 ? undefined : (Object.fromEntries(present) as ContentSettings);
}

/** The headers that describe a file or directory on a HEAD or GET. */
export function pathHeaders(entry: PathEntry): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: quoted(entry.etag),
    'Last-Modified': entry.lastModified.toUTCString(),
    'x-ms-creation-time': entry.created.toUTCString(),
    'x-ms-resource-type': entry.isDirectory ? 'directory' : 'file',
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-lease-status': 'unlocked',
    'x-ms-lease-state': 'available',
    'x-ms-server-encrypted': 'true',
    'x-ms-owner': '$superuser',
    'x-ms-group': '$superuser',
    'x-ms-permissions': entry.isDirectory ? 'rwxr-x---' : 'rw-r-----',
    'x-ms-properties': propertiesHeader(entry.metadata),
    'Accept-Ranges': 'bytes',
    'Content-Type': entry.content.contentType ?? 'application/octet-stream',
    ...metadataHeaders(entry.metadata),
  };
  const { contentEncoding, contentLanguage, contentDisposition, cacheControl } = entry.content;
  if (contentEncoding !== undefined) headers['Content-Encoding'] = contentEncoding;
  if (contentLanguage !== undefined) headers['Content-Language'] = contentLanguage;
  if (contentDisposition !== undefined) headers['Content-Disposition'] = contentDisposition;
  if (cacheControl !== undefined) headers['Cache-Control'] = cacheControl;
  return headers;
}

/** The headers that describe a filesystem (container). */
export function fileSystemHeaders(fileSystem: FileSystem): Record<string, string> {
  return {
    ETag: quoted(fileSystem.etag),
    'Last-Modified': fileSystem.lastModified.toUTCString(),
    'x-ms-namespace-enabled': 'true',
    'x-ms-properties': propertiesHeader(fileSystem.metadata),
    'x-ms-lease-status': 'unlocked',
    'x-ms-lease-state': 'available',
    'x-ms-has-immutability-policy': 'false',
    'x-ms-has-legal-hold': 'false',
    'x-ms-default-encryption-scope': '$account-encryption-key',
    'x-ms-deny-encryption-scope-override': 'false',
    ...metadataHeaders(fileSystem.metadata),
  };
}

/**
 * The path inside a filesystem named by the remaining URL segments; empty segments are
 * already gone, so `a//b/` names `a/b`.
 */
export function joinPath(segments: readonly string[]): string {
  return segments.join('/');
}
