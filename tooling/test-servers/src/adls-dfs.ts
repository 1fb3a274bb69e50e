/**
 * The DFS endpoint side of the ADLS Gen2 test server: Filesystem and Path operations as
 * `@azure/storage-file-datalake` sends them (create, append, flush, rename, delete, list,
 * properties). Errors are JSON, as the DFS endpoint sends them.
 */

import { createFileSystem, readPath } from './adls-blob.js';
import { checkConditions, readConditions } from './adls-conditions.js';
import {
  AdlsError,
  invalidQueryParameter,
  invalidRenameSourcePath,
  missingQueryParameter,
  sourcePathNotFound,
} from './adls-errors.js';
import {
  type AdlsExchange,
  fileSystemHeaders,
  joinPath,
  pathHeaders,
  quoted,
  readContentSettings,
  readProperties,
  reply,
} from './adls-http.js';
import {
  appendData,
  createPath,
  deletePath,
  flushData,
  listPaths,
  type PathEntry,
  renamePath,
  requireFileSystem,
  requirePath,
  touch,
} from './adls-paths.js';
import { header, readBody } from './http-helpers.js';

/** The page size of Path - List when `maxResults` is absent, and its upper limit. */
const maxListResults = 5000;

function notImplemented(exchange: AdlsExchange): AdlsError {
  return new AdlsError(
    501,
    'NotImplemented',
    `${exchange.request.method} ${exchange.request.url} is not implemented by the ADLS Gen2 test server.`,
  );
}

function readPosition(query: URLSearchParams): number {
  const value = query.get('position');
  if (value === null) throw missingQueryParameter('position');
  if (!/^\d+$/.test(value)) throw invalidQueryParameter('position', value);
  return Number(value);
}

function readFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  if (value !== 'true' && value !== 'false') throw invalidQueryParameter(name, value);
  return value === 'true';
}

function writtenHeaders(entry: PathEntry): Record<string, string> {
  return {
    ETag: quoted(entry.etag),
    'Last-Modified': entry.lastModified.toUTCString(),
    'x-ms-request-server-encrypted': 'true',
  };
}

/** Windows file time (100 ns ticks since 1601), which Path - List reports `creationTime` in. */
function fileTime(date: Date): string {
  return String((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
}

/** Filesystem - Create / Get Properties / Set Properties / Delete / List Paths. */
export async function fileSystemRequest(exchange: AdlsExchange, name: string): Promise<void> {
  const { request, query } = exchange;
  await readBody(request);
  if (request.method === 'PUT') {
    createFileSystem(exchange, name, readProperties(request) ?? {});
    return;
  }
  const fileSystem = requireFileSystem(exchange.fileSystems, name);
  switch (request.method) {
    case 'HEAD':
      reply(exchange, 200, fileSystemHeaders(fileSystem));
      return;
    case 'PATCH':
      checkConditions(readConditions(request), fileSystem, 'write');
      fileSystem.metadata = readProperties(request) ?? {};
      touch(fileSystem);
      reply(exchange, 200, {
        ETag: quoted(fileSystem.etag),
        'Last-Modified': fileSystem.lastModified.toUTCString(),
      });
      return;
    case 'DELETE':
      checkConditions(readConditions(request), fileSystem, 'write');
      exchange.fileSystems.delete(name);
      reply(exchange, 202);
      return;
    case 'GET': {
      const maxText = query.get('maxResults');
      const maxResults = maxText === null ? maxListResults : Number(maxText);
      if (!Number.isInteger(maxResults) || maxResults < 1) {
        throw invalidQueryParameter('maxResults', String(maxText));
      }
      if (query.get('recursive') === null) throw missingQueryParameter('recursive');
      const page = listPaths(fileSystem, {
        directory: (query.get('directory') ?? '').replace(/^\/+|\/+$/g, ''),
        recursive: readFlag(query, 'recursive'),
        maxResults: Math.min(maxResults, maxListResults),
        continuation: query.get('continuation') ?? undefined,
      });
      const paths = page.entries.map((entry) => ({
        name: entry.name,
        ...(entry.isDirectory ? { isDirectory: 'true' } : {}),
        contentLength: String(entry.data.length),
        lastModified: entry.lastModified.toUTCString(),
        etag: entry.etag,
        owner: '$superuser',
        group: '$superuser',
        permissions: entry.isDirectory ? 'rwxr-x---' : 'rw-r-----',
        creationTime: fileTime(entry.created),
      }));
      reply(
        exchange,
        200,
        {
          'Content-Type': 'application/json;charset=utf-8',
          ...(page.continuation === undefined ? {} : { 'x-ms-continuation': page.continuation }),
        },
        { paths },
      );
      return;
    }
  }
  throw notImplemented(exchange);
}

/**
 * Where `x-ms-rename-source` points: `/<filesystem>/<path>` or, from a path-style URL,
 * `/<account>/<filesystem>/<path>`, optionally with a SAS query (ignored).
 */
function parseRenameSource(
  exchange: AdlsExchange,
  value: string,
): { fileSystem: string; name: string } {
  const path = value.split('?')[0] ?? '';
  let segments: string[];
  try {
    segments = path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw invalidRenameSourcePath();
  }
  if (segments[0] === exchange.account && segments.length > 2) segments = segments.slice(1);
  const [fileSystem, ...rest] = segments;
  if (fileSystem === undefined || rest.length === 0) throw invalidRenameSourcePath();
  return { fileSystem, name: joinPath(rest) };
}

/** Path - Create, Update (append, flush, properties), Delete, Get Properties and Read. */
export async function pathRequest(
  exchange: AdlsExchange,
  fileSystemName: string,
  name: string,
): Promise<void> {
  const { request, query } = exchange;
  const body = await readBody(request);
  const fileSystem = requireFileSystem(exchange.fileSystems, fileSystemName);
  switch (request.method) {
    case 'PUT': {
      const renameSource = header(request, 'x-ms-rename-source');
      if (renameSource !== undefined) {
        const source = parseRenameSource(exchange, renameSource);
        const sourceFileSystem = exchange.fileSystems.get(source.fileSystem);
        if (sourceFileSystem === undefined) throw sourcePathNotFound();
        const moved = renamePath(
          { fileSystem: sourceFileSystem, name: source.name },
          { fileSystem, name },
          { conditions: readConditions(request), sourceConditions: readConditions(request, true) },
        );
        reply(exchange, 201, writtenHeaders(moved));
        return;
      }
      const resource = query.get('resource');
      if (resource !== 'file' && resource !== 'directory') {
        throw resource === null
          ? missingQueryParameter('resource')
          : invalidQueryParameter('resource', resource);
      }
      const entry = createPath(fileSystem, name, resource === 'directory', {
        conditions: readConditions(request),
        content: readContentSettings(request, 'x-ms-content-'),
        metadata: readProperties(request),
      });
      reply(exchange, 201, writtenHeaders(entry));
      return;
    }
    case 'PATCH': {
      const action = query.get('action');
      if (action === 'append') {
        const position = readPosition(query);
        appendData(fileSystem, name, position, body);
        if (readFlag(query, 'flush')) {
          const entry = flushData(fileSystem, name, position + body.length, {
            conditions: readConditions(request),
            retainUncommittedData: false,
          });
          reply(exchange, 200, writtenHeaders(entry));
          return;
        }
        reply(exchange, 202, { 'x-ms-request-server-encrypted': 'true' });
        return;
      }
      if (action === 'flush') {
        const entry = flushData(fileSystem, name, readPosition(query), {
          conditions: readConditions(request),
          retainUncommittedData: readFlag(query, 'retainUncommittedData'),
          content: readContentSettings(request, 'x-ms-content-'),
        });
        reply(exchange, 200, writtenHeaders(entry));
        return;
      }
      if (action === 'setProperties' || action === 'setAccessControl') {
        const entry = requirePath(fileSystem, name);
        checkConditions(readConditions(request), entry, 'write');
        const properties = action === 'setProperties' ? readProperties(request) : undefined;
        if (properties !== undefined) {
          entry.metadata = {
            ...properties,
            ...(entry.isDirectory ? { hdi_isfolder: 'true' } : {}),
          };
        }
        touch(entry);
        reply(exchange, 200, writtenHeaders(entry));
        return;
      }
      if (action === null) throw missingQueryParameter('action');
      throw invalidQueryParameter('action', action);
    }
    case 'DELETE':
      deletePath(fileSystem, name, readFlag(query, 'recursive'), readConditions(request));
      reply(exchange, 200);
      return;
    case 'HEAD': {
      const entry = requirePath(fileSystem, name);
      checkConditions(readConditions(request), entry, 'read');
      reply(exchange, 200, {
        ...pathHeaders(entry),
        'Content-Length': String(entry.data.length),
        ...(query.get('action') === 'getAccessControl'
          ? {
              'x-ms-acl': entry.isDirectory
                ? 'user::rwx,group::r-x,other::---'
                : 'user::rw-,group::r--,other::---',
            }
          : {}),
      });
      return;
    }
    case 'GET':
      readPath(exchange, requirePath(fileSystem, name));
      return;
  }
  throw notImplemented(exchange);
}
