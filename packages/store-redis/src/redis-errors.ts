/**
 * Translating ioredis and Redis errors into the store's error model: what a retry can fix
 * (a dropped connection, a cluster resharding or failing over, a server still loading) is a
 * retryable `ConnectionError`; a rejected command is a `QueryError`; a conflict a script reports
 * is a `ConflictError`. The original error is always kept as `cause`, and the message never
 * carries a password.
 */
import { ConflictError, ConnectionError, QueryError, StoreError } from '@wharf/store-core';

/** Where an error happened, for its message. */
export interface RedisErrorContext {
  /** The store's name, e.g. `redis:trips`. */
  readonly store: string;
  /** The operation, e.g. `get` or `stagePart`. */
  readonly operation: string;
  /** Passwords to strip from the message (URL credentials are always stripped). */
  readonly secrets?: readonly string[];
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
]);

const CONNECTION_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

const CONNECTION_MESSAGES = [
  'Connection is closed',
  // A pipelined command in flight when the connection closed.
  'Command aborted due to connection close',
  "Stream isn't writeable",
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  "Cluster isn't ready",
  'Command timed out',
  'connect ETIMEDOUT',
  'Too many Cluster redirections',
];

/**
 * Reply prefixes of a server that cannot serve the command now, but may soon. ioredis follows
 * MOVED and ASK redirections itself, except inside a transaction (a staging chunk), where the
 * next attempt finds the slot's new node.
 */
const TRANSIENT_REPLIES = [
  'CLUSTERDOWN',
  'TRYAGAIN',
  'LOADING',
  'MASTERDOWN',
  'BUSY',
  'READONLY',
  'MOVED',
  'ASK',
];

/** Reply prefixes of a refused login: a connection problem that a retry does not fix. */
const AUTH_REPLIES = ['NOAUTH', 'WRONGPASS', 'NOPERM'];

/** Reply prefixes a script raises for a conflict. */
const CONFLICT_REPLIES = ['WHARF_CONFLICT', 'CONFLICT'];

function startsWithAny(text: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => text.startsWith(prefix));
}

/**
 * Removes credentials from a driver error kept as `cause`: ioredis attaches the failed command,
 * and for `AUTH` or `HELLO … AUTH user password` its arguments hold the password.
 */
function scrubCommand(error: unknown, secrets: readonly string[]): void {
  const command = (error as { command?: { name?: unknown; args?: unknown } } | null)?.command;
  if (!command || !Array.isArray(command.args)) return;
  const name = String(command.name).toLowerCase();
  const authAt = command.args.findIndex((arg) => String(arg).toUpperCase() === 'AUTH');
  command.args = command.args.map((arg: unknown, index: number) => {
    if (name === 'auth' || (name === 'hello' && authAt >= 0 && index > authAt + 1)) return '***';
    const text = Buffer.isBuffer(arg) ? arg.toString('latin1') : String(arg);
    return secrets.some((secret) => text.includes(secret)) ? '***' : arg;
  });
}

/**
 * The store error for anything ioredis or Redis threw. A `StoreError` is returned as it is.
 *
 * @example
 * try { await client.get(key); }
 * catch (error) { throw toStoreError(error, { store: 'redis:trips', operation: 'get' }); }
 */
export function toStoreError(error: unknown, context: RedisErrorContext): StoreError {
  if (StoreError.isInstance(error)) return error;
  scrubCommand(error, context.secrets ?? []);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const text = `${context.store}: ${context.operation} failed: ${message}`;
  const options = {
    cause: error,
    details: { store: context.store, operation: context.operation },
    ...(context.secrets ? { secrets: context.secrets } : {}),
  };
  const reply = message.replace(/^ERR /, '');
  if (startsWithAny(reply, AUTH_REPLIES)) {
    return new ConnectionError(text, { ...options, retryable: false });
  }
  if (
    (typeof code === 'string' && CONNECTION_CODES.has(code)) ||
    (typeof name === 'string' && CONNECTION_NAMES.has(name)) ||
    CONNECTION_MESSAGES.some((fragment) => message.includes(fragment)) ||
    startsWithAny(reply, TRANSIENT_REPLIES)
  ) {
    return new ConnectionError(text, options);
  }
  if (startsWithAny(reply, CONFLICT_REPLIES)) return new ConflictError(text, options);
  return new QueryError(text, options);
}
