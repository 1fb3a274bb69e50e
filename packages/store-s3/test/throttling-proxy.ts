/**
 * A tiny HTTP proxy in front of radosgw that answers the first N matching requests with
 * 503 SlowDown (the throttling answer of S3) and forwards the rest unchanged. radosgw has no
 * fault injection of its own; the SDK's retries are tested against this.
 *
 * The proxy keeps the request's Host header, so the SigV4 signature (made for the proxy's
 * address) still verifies at radosgw.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy forwarded, with its body. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ThrottlingProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give the storage. */
  readonly url: string;
  /** Requests the proxy received, answered or forwarded. */
  readonly requests: number;
  /** Requests answered with 503 SlowDown. */
  readonly throttled: number;
  /** The requests forwarded so far, oldest first. */
  readonly seen: readonly SeenRequest[];
  /** Answer the next `times` requests (of `method`, when given) with 503 SlowDown. */
  throttle(times: number, method?: string): void;
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>proxy</RequestId></Error>';

export async function startThrottlingProxy(target: string): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  let remaining = 0;
  let onlyMethod: string | undefined;
  let requests = 0;
  let throttled = 0;
  const seen: SeenRequest[] = [];

  const server: Server = createServer((incoming, outgoing) => {
    requests += 1;
    if (remaining > 0 && (onlyMethod === undefined || incoming.method === onlyMethod)) {
      remaining -= 1;
      throttled += 1;
      incoming.resume();
      incoming.on('end', () => {
        outgoing.writeHead(503, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(SLOW_DOWN),
        });
        outgoing.end(SLOW_DOWN);
      });
      return;
    }
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () =>
      seen.push({
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks),
      }),
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get throttled() {
      return throttled;
    },
    seen,
    throttle(times, method) {
      remaining = times;
      onlyMethod = method;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
