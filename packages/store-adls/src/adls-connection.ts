/**
 * Building the file system client from the options: the endpoint, the credential (option or
 * environment variable) and the SDK's retry settings; and collecting every secret involved,
 * so that error messages can be scrubbed of them.
 */
import {
  AnonymousCredential,
  type DataLakeFileSystemClient,
  DataLakeServiceClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-file-datalake';
import { ValidationError } from '@wharf/store-core';
import {
  type AdlsStorageOptions,
  type AdlsTuning,
  checkAccountName,
  checkFileSystemName,
} from './adls-options.js';

/** The client and everything the storage needs to name its location. */
export interface AdlsConnection {
  readonly client: DataLakeFileSystemClient;
  readonly account: string;
  readonly fileSystem: string;
  /** The DFS endpoint without credentials, e.g. `https://acct.dfs.core.windows.net`. */
  readonly endpoint: string;
  /** How the client authenticates, for `describe()`: `shared-key`, `sas`, `token`, … */
  readonly auth: string;
  /** Secrets to strip from messages. */
  readonly secrets: readonly string[];
}

const AUTH_OPTIONS = ['accountKey', 'sasToken', 'connectionString', 'credential'] as const;

/** The query string of a URL or SAS token, without `?`. */
function sasOf(text: string): string {
  return text.replace(/^\?/, '');
}

/** A SAS token's parts worth scrubbing: the whole token and its signature. */
function sasSecrets(sas: string): string[] {
  const signature = new URLSearchParams(sas).get('sig');
  return [sas, ...(signature ? [signature, encodeURIComponent(signature)] : [])];
}

/** The values of a connection string that must never be shown. */
function connectionStringSecrets(connectionString: string): string[] {
  const secrets = [connectionString];
  for (const part of connectionString.split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    const name = part.slice(0, equals).trim().toLowerCase();
    const value = part.slice(equals + 1).trim();
    if (name === 'accountkey' && value !== '') secrets.push(value);
    if (name === 'sharedaccesssignature' && value !== '') secrets.push(...sasSecrets(value));
  }
  return secrets;
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`ADLS storage: url is not a URL (${redactQuery(url)})`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ValidationError(`ADLS storage: url must be http(s), got ${parsed.protocol}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ValidationError('ADLS storage: url must not carry a user name or password');
  }
  return parsed;
}

function redactQuery(url: string): string {
  const question = url.indexOf('?');
  return question < 0 ? url : `${url.slice(0, question)}?…`;
}

/** True for an endpoint that names the account in its first path segment (an IP or localhost). */
function isPathStyle(url: URL): boolean {
  const host = url.hostname;
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[') || host === 'localhost';
}

/** The account an endpoint URL names, if it names one. */
function accountOfUrl(url: URL): string | undefined {
  if (isPathStyle(url)) return url.pathname.split('/').find((segment) => segment !== '');
  const label = url.hostname.split('.')[0];
  return label === '' ? undefined : label;
}

/** The endpoint without query or trailing slash. */
function endpointOf(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function environmentValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The account name a connection string gives. */
function accountOfConnectionString(connectionString: string): string | undefined {
  return /(?:^|;)\s*AccountName=([^;]+)/i.exec(connectionString)?.[1]?.trim();
}

function fromConnectionString(
  connectionString: string,
  fileSystem: string,
  account: string | undefined,
  pipeline: StoragePipelineOptions,
  source: string,
): AdlsConnection {
  const named = accountOfConnectionString(connectionString);
  if (account !== undefined && named !== undefined && named !== account) {
    throw new ValidationError(
      `ADLS storage: account "${account}" does not match the account of ${source} ("${named}")`,
    );
  }
  let service: DataLakeServiceClient;
  try {
    service = DataLakeServiceClient.fromConnectionString(connectionString, pipeline);
  } catch (error) {
    throw new ValidationError(`ADLS storage: ${source} is not a valid connection string`, {
      cause: error,
      secrets: connectionStringSecrets(connectionString),
    });
  }
  const client = service.getFileSystemClient(fileSystem);
  return {
    client,
    account: client.accountName,
    fileSystem,
    endpoint: endpointOf(new URL(service.url)),
    auth: /SharedAccessSignature=/i.test(connectionString) ? 'sas' : 'connection-string',
    secrets: connectionStringSecrets(connectionString),
  };
}

/**
 * The client for the options' file system. Throws a `ValidationError` for a missing or invalid
 * location, conflicting credential options, or no credential at all.
 */
export function connectAdls(options: AdlsStorageOptions, tuning: AdlsTuning): AdlsConnection {
  if (options.client !== undefined) {
    const client = options.client;
    if (typeof client?.getFileClient !== 'function') {
      throw new ValidationError('ADLS storage: client must be a DataLakeFileSystemClient');
    }
    return {
      client,
      account: client.accountName,
      fileSystem: client.name,
      endpoint: endpointOf(new URL(client.url)).replace(/\/[^/]*$/, ''),
      auth: 'client',
      secrets: [],
    };
  }

  const given = AUTH_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length > 1) {
    throw new ValidationError(
      `ADLS storage: give one credential option, not ${given.join(' and ')}`,
    );
  }
  const fileSystem = checkFileSystemName(options.fileSystem);
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      maxTries: tuning.maxRetries + 1,
      retryDelayInMs: tuning.retryDelayMs,
      maxRetryDelayInMs: tuning.maxRetryDelayMs,
    },
    userAgentOptions: { userAgentPrefix: 'wharf-store-adls' },
  };
  const account =
    options.account === undefined ? undefined : checkAccountName(options.account, 'account');

  if (options.connectionString !== undefined) {
    if (typeof options.connectionString !== 'string' || options.connectionString === '') {
      throw new ValidationError('ADLS storage: connectionString must be a non-empty string');
    }
    if (options.url !== undefined) {
      throw new ValidationError(
        'ADLS storage: give url or connectionString, not both (the connection string names the endpoint)',
      );
    }
    return fromConnectionString(
      options.connectionString,
      fileSystem,
      account,
      pipeline,
      'connectionString',
    );
  }

  const parsedUrl = options.url === undefined ? undefined : parseUrl(options.url);
  const urlSas = parsedUrl?.search ? sasOf(parsedUrl.search) : undefined;
  const urlAccount = parsedUrl === undefined ? undefined : accountOfUrl(parsedUrl);

  // No credential option: the environment, as Azure's tools read it.
  if (given.length === 0 && urlSas === undefined) {
    const environmentKey = environmentValue('AZURE_STORAGE_KEY');
    const environmentAccount = environmentValue('AZURE_STORAGE_ACCOUNT');
    const environmentConnection = environmentValue('AZURE_STORAGE_CONNECTION_STRING');
    const keyAccount = account ?? urlAccount ?? environmentAccount;
    if (environmentKey !== undefined && keyAccount !== undefined) {
      return withCredential(
        { ...options, account: keyAccount, accountKey: environmentKey },
        fileSystem,
        parsedUrl,
        pipeline,
      );
    }
    if (environmentConnection !== undefined && parsedUrl === undefined) {
      return fromConnectionString(
        environmentConnection,
        fileSystem,
        account,
        pipeline,
        'AZURE_STORAGE_CONNECTION_STRING',
      );
    }
    throw new ValidationError(
      'ADLS storage: no credentials: pass accountKey, sasToken, connectionString, credential or client, or set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY',
    );
  }
  return withCredential(options, fileSystem, parsedUrl, pipeline);
}

function withCredential(
  options: AdlsStorageOptions,
  fileSystem: string,
  parsedUrl: URL | undefined,
  pipeline: StoragePipelineOptions,
): AdlsConnection {
  const urlAccount = parsedUrl === undefined ? undefined : accountOfUrl(parsedUrl);
  const accountSource = options.account === undefined ? 'the account of url' : 'account';
  const rawAccount = options.account ?? urlAccount ?? environmentValue('AZURE_STORAGE_ACCOUNT');
  if (rawAccount === undefined) {
    throw new ValidationError(
      'ADLS storage: account is required (or url, connectionString, client, or AZURE_STORAGE_ACCOUNT)',
    );
  }
  const account = checkAccountName(rawAccount, accountSource);
  const endpointUrl = parsedUrl ?? new URL(`https://${account}.dfs.core.windows.net`);
  const endpoint = endpointOf(endpointUrl);
  const urlSas = endpointUrl.search ? sasOf(endpointUrl.search) : undefined;

  if (options.accountKey !== undefined) {
    if (typeof options.accountKey !== 'string' || options.accountKey === '') {
      throw new ValidationError('ADLS storage: accountKey must be a non-empty string');
    }
    const credential = new StorageSharedKeyCredential(account, options.accountKey);
    const service = new DataLakeServiceClient(endpoint, credential, pipeline);
    return {
      client: service.getFileSystemClient(fileSystem),
      account,
      fileSystem,
      endpoint,
      auth: 'shared-key',
      secrets: [options.accountKey],
    };
  }
  if (options.credential !== undefined) {
    if (typeof options.credential?.getToken !== 'function') {
      throw new ValidationError('ADLS storage: credential must be a TokenCredential (getToken)');
    }
    const service = new DataLakeServiceClient(endpoint, options.credential, pipeline);
    return {
      client: service.getFileSystemClient(fileSystem),
      account,
      fileSystem,
      endpoint,
      auth: 'token',
      secrets: [],
    };
  }
  const sas = options.sasToken === undefined ? urlSas : sasOf(String(options.sasToken));
  if (sas === undefined || sas === '') {
    throw new ValidationError('ADLS storage: sasToken must be a non-empty string');
  }
  const service = new DataLakeServiceClient(
    `${endpoint}?${sas}`,
    new AnonymousCredential(),
    pipeline,
  );
  return {
    client: service.getFileSystemClient(fileSystem),
    account,
    fileSystem,
    endpoint,
    auth: 'sas',
    secrets: sasSecrets(sas),
  };
}
