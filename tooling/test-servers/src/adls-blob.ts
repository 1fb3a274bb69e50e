/**
 * The Blob endpoint side of the ADLS Gen2 test server: what `@azure/storage-file-datalake`
 * sends to the Blob endpoint (reads, properties, metadata, container create/delete) and the
 * few Blob writes a test may use directly (Put Blob). Errors are XML, as the Blob endpoint
 * sends them.
 */
import { checkConditions, readConditions } from './adls-conditions.js';
import { AdlsError, fileSystemAlreadyExists, invalidRange } from './adls-errors.js';
import {
  type AdlsExchange,
  fileSystemHeaders,
  pathHeaders,
  quoted,
  readBlobMetadata,
  readContentSettings,
  reply,
} from './adls-http.js';
import {
  deletePath,
  type FileSystem,
  newEtag,
  type PathEntry,
  requireFileSystem,
  requirePath,
  touch,
  writeBlob,
} from './adls-paths.js';
import { header, readBody, resolveRange } from './http-helpers.js';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

function notImplemented(exchange: AdlsExchange): AdlsError {
  return new AdlsError(
    501,
    'NotImplemented',
    `${exchange.request.method} ${exchange.request.url} is not implemented by the ADLS Gen2 test server.`,
  );
}

/** Creates a filesystem; shared by Create Container and Filesystem - Create. */
export function createFileSystem(
  exchange: AdlsExchange,
  name: string,
  metadata: Record<string, string>,
) {
  if (exchange.fileSystems.has(name)) throw fileSystemAlreadyExists();
  const now = new Date();
  const fileSystem: FileSystem = {
    name,
    created: now,
    lastModified: now,
    etag: newEtag(),
    metadata,
    paths: new Map(),
  };
  exchange.fileSystems.set(name, fileSystem);
  reply(exchange, 201, { ETag: quoted(fileSystem.etag), 'Last-Modified': now.toUTCString() });
}

/**
 * Get Blob, and Path - Read on the DFS endpoint: the flushed bytes, whole or the range in
 * `x-ms-range` (preferred) or `Range`. HEAD answers the same headers without a body.
 */
export function readPath(exchange: AdlsExchange, entry: PathEntry): void {
  const { request } = exchange;
  checkConditions(readConditions(request), entry, 'read');
  const headers = pathHeaders(entry);
  if (entry.isDirectory) headers['x-ms-meta-hdi_isfolder'] = 'true';
  const rangeHeader = header(request, 'x-ms-range') ?? header(request, 'range');
  const range =
    rangeHeader === undefined ? undefined : resolveRange(rangeHeader, entry.data.length);
  if (range === 'unsatisfiable') throw invalidRange();
  if (range === undefined) {
    if (entry.content.contentMd5 !== undefined) headers['Content-MD5'] = entry.content.contentMd5;
    reply(exchange, 200, headers, entry.data);
    return;
  }
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${entry.data.length}`;
  if (entry.content.contentMd5 !== undefined)
    headers['x-ms-blob-content-md5'] = entry.content.contentMd5;
  reply(exchange, 206, headers, entry.data.subarray(range.start, range.end + 1));
}

/** Get Container Properties / Set Container Metadata / Create / Delete Container. */
export async function containerRequest(exchange: AdlsExchange, name: string): Promise<void> {
  const { request, query } = exchange;
  const comp = query.get('comp');
  await readBody(request);
  if (request.method === 'PUT' && comp === null) {
    createFileSystem(exchange, name, readBlobMetadata(request));
    return;
  }
  const fileSystem = requireFileSystem(exchange.fileSystems, name);
  if ((request.method === 'GET' || request.method === 'HEAD') && comp === null) {
    reply(exchange, 200, fileSystemHeaders(fileSystem));
    return;
  }
  if (request.method === 'PUT' && comp === 'metadata') {
    checkConditions(readConditions(request), fileSystem, 'write');
    fileSystem.metadata = readBlobMetadata(request);
    touch(fileSystem);
    reply(exchange, 200, {
      ETag: quoted(fileSystem.etag),
      'Last-Modified': fileSystem.lastModified.toUTCString(),
    });
    return;
  }
  if (request.method === 'DELETE' && comp === null) {
    checkConditions(readConditions(request), fileSystem, 'write');
    exchange.fileSystems.delete(name);
    reply(exchange, 202);
    return;
  }
  throw notImplemented(exchange);
}

/** Blob requests on a path: read, properties, metadata, Put Blob, Delete Blob. */
export async function blobRequest(
  exchange: AdlsExchange,
  fileSystemName: string,
  name: string,
): Promise<void> {
  const { request, query } = exchange;
  const comp = query.get('comp');
  const body = await readBody(request);
  const fileSystem = requireFileSystem(exchange.fileSystems, fileSystemName);
  switch (request.method) {
    case 'GET':
    case 'HEAD':
      if (comp !== null) break;
      readPath(exchange, requirePath(fileSystem, name));
      return;
    case 'PUT': {
      if (comp === 'metadata' || comp === 'properties') {
        const entry = requirePath(fileSystem, name);
        checkConditions(readConditions(request), entry, 'write');
        if (comp === 'metadata') {
          entry.metadata = {
            ...readBlobMetadata(request),
            ...(entry.isDirectory ? { hdi_isfolder: 'true' } : {}),
          };
        } else {
          entry.content = readContentSettings(request, 'x-ms-blob-content-') ?? {};
        }
        touch(entry);
        reply(exchange, 200, {
          ETag: quoted(entry.etag),
          'Last-Modified': entry.lastModified.toUTCString(),
        });
        return;
      }
      if (comp !== null || header(request, 'x-ms-blob-type') !== 'BlockBlob') break;
      const entry = writeBlob(fileSystem, name, body, {
        conditions: readConditions(request),
        content: readContentSettings(request, 'x-ms-blob-content-'),
        metadata: readBlobMetadata(request),
      });
      reply(exchange, 201, {
        ETag: quoted(entry.etag),
        'Last-Modified': entry.lastModified.toUTCString(),
        'x-ms-request-server-encrypted': 'true',
      });
      return;
    }
    case 'DELETE':
      if (comp !== null) break;
      deletePath(fileSystem, name, false, readConditions(request));
      reply(exchange, 202, { 'x-ms-delete-type-permanent': 'true' });
      return;
  }
  throw notImplemented(exchange);
}

/** List Containers (`GET /<account>?comp=list`), without paging. */
export async function accountRequest(exchange: AdlsExchange): Promise<void> {
  const { request, query } = exchange;
  await readBody(request);
  if (request.method !== 'GET' || query.get('comp') !== 'list') throw notImplemented(exchange);
  const prefix = query.get('prefix') ?? '';
  const containers = [...exchange.fileSystems.values()]
    .filter((fileSystem) => fileSystem.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(
      (fileSystem) =>
        `<Container><Name>${escapeXml(fileSystem.name)}</Name><Properties>` +
        `<Last-Modified>${fileSystem.lastModified.toUTCString()}</Last-Modified>` +
        `<Etag>${quoted(fileSystem.etag)}</Etag><LeaseStatus>unlocked</LeaseStatus>` +
        '<LeaseState>available</LeaseState><HasImmutabilityPolicy>false</HasImmutabilityPolicy>' +
        '<HasLegalHold>false</HasLegalHold></Properties>' +
        (query.get('include')?.includes('metadata')
          ? `<Metadata>${Object.entries(fileSystem.metadata)
              .map(([key, value]) => `<${key}>${escapeXml(value)}</${key}>`)
              .join('')}</Metadata>`
          : '') +
        '</Container>',
    )
    .join('');
  reply(
    exchange,
    200,
    { 'Content-Type': 'application/xml' },
    `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${escapeXml(exchange.accountUrl)}/">` +
      `<Prefix>${escapeXml(prefix)}</Prefix><Containers>${containers}</Containers><NextMarker /></EnumerationResults>`,
  );
}
