/**
 * A protocol test server for Azure Data Lake Storage Gen2: the DFS endpoint operations
 * `@azure/storage-file-datalake` sends, plus the Blob endpoint requests it uses for reads
 * and properties, in memory, on a loopback port. It is a test double written from Azure's
 * published REST reference, not an emulator of the service: see the package README for what
 * it does and does not implement.
 *
 * Both endpoints share one path-style URL (`http://127.0.0.1:<port>/<account>`): the client
 * libraries map `.dfs.` and `.blob.` hosts onto each other and leave IP-style URLs alone, so
 * the server tells the two apart by what a request asks for (DFS query parameters and
 * `Accept: application/json` versus Blob ones).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { accountRequest, blobRequest, containerRequest } from './adls-blob.js';
import { fileSystemRequest, pathRequest } from './adls-dfs.js';
import {
  type AdlsEndpoint,
  AdlsError,
  authenticationFailed,
  errorBody,
  faultCode,
} from './adls-errors.js';
import { type AdlsExchange, joinPath } from './adls-http.js';
import type { FileSystems } from './adls-paths.js';
import { adlsAccountKeyVariable, adlsUrlVariable, readVariable } from './environment.js';
import {
  createFaultList,
  type FaultList,
  type FaultOptions,
  type InjectedFault,
} from './fault-injection.js';
import { header, MalformedTargetError, parseTarget, readBody, send } from './http-helpers.js';
import { existingEndpoint, startProtocolEndpoint } from './protocol-endpoint.js';

/**
 * The account name the server uses unless told otherwise: the storage emulator's, which
 * tools and client libraries recognise.
 */
export const adlsDefaultAccount = 'devstoreaccount1';

/**
 * The storage emulator's published development key, the default account key. The server
 * does not verify signatures, so any base64 key works; this one keeps connection strings
 * familiar.
 */
export const adlsDefaultAccountKey =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Options for {@link startAdlsServer}. */
export interface AdlsServerOptions {
  /** The storage account name (3–24 lowercase letters and digits). @default 'devstoreaccount1' */
  account?: string;
  /** The account key handed to clients (not verified). @default {@link adlsDefaultAccountKey} */
  accountKey?: string;
  /**
   * Whether `WHARF_TEST_ADLS_URL`, when set, is used instead of starting a server. Pass
   * `false` for tests that inject faults (an existing server cannot).
   * @default true
   */
  allowExisting?: boolean;
}

/** An ADLS Gen2 endpoint for a test: a throwaway server, or an existing one. */
export interface AdlsServer extends AsyncDisposable {
  /**
   * `http://127.0.0.1:<port>/<account>`: the URL for `new DataLakeServiceClient(url,
   * credential)` and `new BlobServiceClient(url, credential)` alike.
   */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly account: string;
  readonly accountKey: string;
  /** An account connection string (`DataLakeServiceClient.fromConnectionString`). */
  readonly connectionString: string;
  /** True when this handle points at the endpoint from `WHARF_TEST_ADLS_URL`. */
  readonly external: boolean;
  /**
   * Makes the next `times` requests that match fail with `status` (in Azure's error format,
   * e.g. 503 `ServerBusy`, 500 `InternalError`, 429 `TooManyRequests`) or a dropped
   * connection. Throws for an external server.
   *
   * @example
   * server.injectFault({ method: 'PATCH', pathIncludes: 'action=flush', status: 503 });
   */
  injectFault(fault: FaultOptions): InjectedFault;
  /** Disarms every injected fault. */
  clearFaults(): void;
  /** Stops the server and drops its contents. Idempotent; does nothing for an external server. */
  stop(): Promise<void>;
}

interface AdlsState {
  account: string;
  accountUrl: string;
  fileSystems: FileSystems;
  faults: FaultList;
}

/** Query parameters only DFS operations use. */
const dfsParameters = [
  'resource',
  'action',
  'recursive',
  'paginated',
  'mode',
  'continuation',
  'directory',
  'position',
];

function endpointOf(request: IncomingMessage, query: URLSearchParams): AdlsEndpoint {
  if (header(request, 'x-ms-rename-source') !== undefined) return 'dfs';
  if (dfsParameters.some((name) => query.has(name))) return 'dfs';
  if (query.has('restype') || query.has('comp')) return 'blob';
  return (header(request, 'accept') ?? '').includes('application/json') ? 'dfs' : 'blob';
}

function queryOf(request: IncomingMessage): URLSearchParams {
  const url = request.url ?? '/';
  const questionMark = url.indexOf('?');
  return new URLSearchParams(questionMark === -1 ? '' : url.slice(questionMark + 1));
}

/**
 * Shared Key is accepted without checking the signature; only the account it names must be
 * this server's, so that a client configured for another account fails as it would in Azure.
 */
function checkAuthorization(request: IncomingMessage, account: string): void {
  const authorization = header(request, 'authorization');
  const match =
    authorization === undefined ? null : /^SharedKey(?:Lite)? ([^:]*):/.exec(authorization);
  if (match !== null && match[1] !== account) {
    throw authenticationFailed(
      `The request is signed for account '${match[1]}', not '${account}'.`,
    );
  }
}

async function handleRequest(
  state: AdlsState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const fault = state.faults.take(request);
  if (fault !== undefined) {
    await readBody(request);
    if (fault.reset) {
      request.socket.destroy();
      return;
    }
    const status = fault.status ?? 503;
    throw new AdlsError(
      status,
      faultCode(status),
      `Fault injected by the test server (HTTP ${status}).`,
    );
  }
  checkAuthorization(request, state.account);
  const { segments: allSegments, query } = parseTarget(request.url ?? '/');
  // A rename target built from a path-style URL has lost the account segment; accept both.
  const segments = allSegments[0] === state.account ? allSegments.slice(1) : allSegments;
  const exchange: AdlsExchange = {
    fileSystems: state.fileSystems,
    account: state.account,
    accountUrl: state.accountUrl,
    request,
    response,
    query,
    endpoint: endpointOf(request, query),
    requestId: randomUUID(),
  };
  const [fileSystem, ...rest] = segments;
  if (fileSystem === undefined) return accountRequest(exchange);
  if (rest.length === 0) {
    return exchange.endpoint === 'dfs'
      ? fileSystemRequest(exchange, fileSystem)
      : containerRequest(exchange, fileSystem);
  }
  const name = joinPath(rest);
  return exchange.endpoint === 'dfs'
    ? pathRequest(exchange, fileSystem, name)
    : blobRequest(exchange, fileSystem, name);
}

function renderError(error: unknown, request: IncomingMessage, response: ServerResponse): void {
  let failure: AdlsError;
  if (error instanceof AdlsError) failure = error;
  else if (error instanceof MalformedTargetError) {
    failure = new AdlsError(400, 'InvalidUri', error.message);
  } else {
    failure = new AdlsError(500, 'InternalError', `Internal error: ${String(error)}`);
  }
  const endpoint = endpointOf(request, queryOf(request));
  const detail = failure.detailFor(endpoint);
  const requestId = randomUUID();
  const headers = { 'x-ms-error-code': detail.code, 'x-ms-request-id': requestId };
  if (failure.status === 304 || request.method === 'HEAD') {
    send(request, response, failure.status, headers);
    return;
  }
  const { contentType, body } = errorBody(detail, endpoint, requestId);
  send(request, response, failure.status, { ...headers, 'Content-Type': contentType }, body);
}

function connectionStringFor(url: string, account: string, accountKey: string): string {
  const protocol = url.startsWith('https:') ? 'https' : 'http';
  return `DefaultEndpointsProtocol=${protocol};AccountName=${account};AccountKey=${accountKey};BlobEndpoint=${url};`;
}

function existingAdlsServer(url: string, accountKey: string): AdlsServer {
  const { parsed, ...endpoint } = existingEndpoint(url, adlsUrlVariable);
  const hostAccount = /^([a-z0-9]+)\.(?:dfs|blob)\./.exec(parsed.hostname)?.[1];
  const account = hostAccount ?? parsed.pathname.split('/').find((segment) => segment !== '');
  if (account === undefined) {
    throw new Error(`${adlsUrlVariable} must name the account: http://host:port/<account>`);
  }
  return {
    ...endpoint,
    account,
    accountKey,
    connectionString: connectionStringFor(endpoint.url, account, accountKey),
  };
}

/**
 * Starts an ADLS Gen2 protocol test server (DFS and Blob endpoints on one URL) on a free
 * loopback port, empty and in memory. When `WHARF_TEST_ADLS_URL` is set (and `allowExisting`
 * is not false), it resolves with a handle to that endpoint instead, whose `stop()` does
 * nothing; its key comes from `WHARF_TEST_ADLS_ACCOUNT_KEY`, else the development key.
 *
 * It implements filesystems, path create (with `If-None-Match: *` → 409 `PathAlreadyExists`),
 * append and flush, atomic file and directory renames, recursive deletes, paged listings, and
 * Blob reads with ranges. Shared Key signatures are not verified.
 *
 * @example
 * const adls = await startAdlsServer();
 * const service = new DataLakeServiceClient(
 *   adls.url,
 *   new StorageSharedKeyCredential(adls.account, adls.accountKey),
 * );
 * await service.getFileSystemClient('data').create();
 * // …
 * await adls.stop();
 */
export async function startAdlsServer(options: AdlsServerOptions = {}): Promise<AdlsServer> {
  const existing = options.allowExisting === false ? undefined : readVariable(adlsUrlVariable);
  if (existing !== undefined) {
    const key = options.accountKey ?? readVariable(adlsAccountKeyVariable) ?? adlsDefaultAccountKey;
    return existingAdlsServer(existing, key);
  }

  const account = options.account ?? adlsDefaultAccount;
  const accountKey = options.accountKey ?? adlsDefaultAccountKey;
  if (!/^[a-z0-9]{3,24}$/.test(account)) {
    throw new RangeError(`account must be 3 to 24 lowercase letters and digits, got '${account}'`);
  }
  const state: AdlsState = {
    account,
    accountUrl: '',
    fileSystems: new Map(),
    faults: createFaultList(),
  };
  const endpoint = await startProtocolEndpoint({
    handle: (request, response) => handleRequest(state, request, response),
    renderError,
    faults: state.faults,
    url: (host, port) => {
      state.accountUrl = `http://${host}:${port}/${account}`;
      return state.accountUrl;
    },
    clear: () => state.fileSystems.clear(),
  });
  return Object.assign(endpoint, {
    account,
    accountKey,
    connectionString: connectionStringFor(state.accountUrl, account, accountKey),
  });
}
