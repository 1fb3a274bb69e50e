/**
 * The plumbing the protocol test servers share: a plain `node:http` server on a kernel-chosen
 * loopback port, request bodies, request targets split into decoded path segments, and
 * responses with an exact `Content-Length`.
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** Handles one request; a rejection is passed to the server's error renderer. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Answers a request whose handler threw, in the protocol's own error format. */
export type ErrorRenderer = (
  error: unknown,
  request: IncomingMessage,
  response: ServerResponse,
) => void;

/** An HTTP server listening on a loopback port. */
export interface LoopbackServer {
  readonly host: string;
  readonly port: number;
  /** Stops listening, closes every connection and resolves once the server has closed. */
  close(): Promise<void>;
  /** Closes the listener and every connection without waiting; for the synchronous exit path. */
  closeNow(): void;
}

/** The loopback address the protocol test servers listen on. */
export const loopbackHost = '127.0.0.1';

/**
 * Starts an HTTP server on a port the kernel picks on 127.0.0.1 (so no other process can take
 * it between choosing and binding), routing each request to `handler`. The listener does not
 * keep the process alive on its own: a test run that forgets `stop()` still ends.
 */
export async function startLoopbackServer(
  handler: RequestHandler,
  renderError: ErrorRenderer,
): Promise<LoopbackServer> {
  const server = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      // Whatever of the body is still unread must not be taken for the next request.
      request.resume();
      if (response.headersSent) {
        response.destroy();
        return;
      }
      try {
        renderError(error, request, response);
      } catch {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: loopbackHost, port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host: loopbackHost,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    closeNow() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** Reads the whole request body. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A request target split into its decoded path segments and its query. */
export interface RequestTarget {
  /** The path segments, percent-decoded, without empty ones (`/a//b/` gives `['a', 'b']`). */
  segments: string[];
  query: URLSearchParams;
}

/** An error for a request target that cannot be decoded. */
export class MalformedTargetError extends Error {
  constructor(target: string) {
    super(`the request target ${JSON.stringify(target)} is not valid percent-encoding`);
    this.name = 'MalformedTargetError';
  }
}

/**
 * Splits `request.url` into decoded path segments and the query. Segments are split before
 * decoding, so an encoded slash (`%2F`) stays inside its segment: that is how both cloud APIs
 * put an object or path name with slashes into one segment.
 */
export function parseTarget(url: string): RequestTarget {
  const questionMark = url.indexOf('?');
  const path = questionMark === -1 ? url : url.slice(0, questionMark);
  const search = questionMark === -1 ? '' : url.slice(questionMark + 1);
  try {
    return {
      segments: path
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) => decodeURIComponent(segment)),
      query: new URLSearchParams(search),
    };
  } catch {
    throw new MalformedTargetError(url);
  }
}

/** The value of a request header, or undefined; a repeated header gives its first value. */
export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Sends a complete response. `body` may be a Buffer, a string, or a value to serialise as
 * JSON; without a body the response has `Content-Length: 0`. A HEAD response carries the
 * length of the body it would have had, but no body.
 */
export function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string | object,
): void {
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(body)) payload = body;
  else if (typeof body === 'string') payload = Buffer.from(body);
  else if (body !== undefined) payload = Buffer.from(JSON.stringify(body));
  response.writeHead(status, {
    ...headers,
    'Content-Length': headers['Content-Length'] ?? payload?.length ?? 0,
  });
  response.end(request.method === 'HEAD' || status === 204 || status === 304 ? undefined : payload);
}

/** A byte range resolved against a resource's size: `start` and `end` are inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Resolves an HTTP `Range` value (`bytes=0-99`, `bytes=100-`, `bytes=-100`) against `size`.
 * Returns undefined when there is no usable range (the whole resource is sent), and
 * `'unsatisfiable'` when the range starts past the end.
 */
export function resolveRange(
  value: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}
