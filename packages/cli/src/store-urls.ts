/**
 * Store URLs: how the command line names a store. Each scheme maps to the package that
 * implements it, loaded only when used, so the CLI itself depends on store-core alone.
 *
 *   memory:trips                            MemoryStore (`?directory=./state` to share it)
 *   sqlite:./db.sqlite?table=trips          @wharf/store-sqlite
 *   parquet:./out/trips                     @wharf/store-parquet
 *   postgres://user@host/db?table=trips     @wharf/store-postgres
 *   redis://host:6379?table=trips           @wharf/store-redis
 *   s3://bucket/prefix                      @wharf/store-s3
 *   gs://bucket/prefix                      @wharf/store-gcs
 *   abfss://fs@account.dfs.core.windows.net/path   @wharf/store-adls
 *
 * Cloud URLs also take `?layout=folder`, `?table=name` and `?endpoint=…` (an S3-compatible
 * server, a Cloud Storage emulator, an ADLS account URL); S3 takes `?region=…`, GCS
 * `?projectId=…`. Credentials come from each SDK's usual environment variables.
 */
import { MemoryStore, redactUrl, type Store, ValidationError } from '@wharf/store-core';
import { loadBackend } from './backend-loader.js';

/** Options every URL may carry in its query, and the CLI's own flags. */
export interface StoreUrlOptions {
  /** Key columns (`--key`, or `?key=a,b`). */
  key?: string[];
}

/** A parsed store URL. */
export interface StoreUrl {
  /** The scheme without the colon: `sqlite`, `postgres`… */
  readonly scheme: string;
  /** The URL with any password replaced by `***`, for messages. */
  readonly display: string;
  /** The package that implements the scheme. */
  readonly packageName: string;
  /** Builds the (unconnected) store. */
  open(options?: StoreUrlOptions): Promise<Store>;
}

interface SchemeDefinition {
  packageName: string;
  exportName: string;
  options(url: ParsedUrl, extra: StoreUrlOptions): Record<string, unknown>;
}

interface ParsedUrl {
  raw: string;
  scheme: string;
  /** Everything between `scheme:` and `?`. */
  location: string;
  query: URLSearchParams;
}

function parse(raw: string): ParsedUrl {
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(raw);
  if (!match) {
    throw new ValidationError(
      `'${redactUrl(raw)}' is not a store URL; try sqlite:./db.sqlite?table=trips or parquet:./out/trips`,
    );
  }
  const [, scheme, rest] = match as unknown as [string, string, string];
  const queryStart = rest.indexOf('?');
  return {
    raw,
    scheme: scheme.toLowerCase(),
    location: queryStart < 0 ? rest : rest.slice(0, queryStart),
    query: new URLSearchParams(queryStart < 0 ? '' : rest.slice(queryStart + 1)),
  };
}

function required(url: ParsedUrl, name: string): string {
  const value = url.query.get(name);
  if (!value) throw new ValidationError(`${redactUrl(url.raw)}: add ?${name}=…`);
  return value;
}

function keyOf(url: ParsedUrl, extra: StoreUrlOptions): { key?: string[] } {
  const key = extra.key ?? url.query.get('key')?.split(',').filter(Boolean);
  return key && key.length > 0 ? { key } : {};
}

/** Drops the query from a URL whose driver takes it as a connection string. */
function withoutWharfParameters(url: ParsedUrl): string {
  const query = new URLSearchParams(url.query);
  for (const name of ['table', 'key', 'schema']) query.delete(name);
  const rest = query.toString();
  return `${url.scheme}:${url.location}${rest ? `?${rest}` : ''}`;
}

function cloudOptions(url: ParsedUrl, extra: StoreUrlOptions) {
  const location = url.location.replace(/^\/\//, '');
  const slash = location.indexOf('/');
  const container = slash < 0 ? location : location.slice(0, slash);
  const prefix = slash < 0 ? '' : location.slice(slash + 1).replace(/\/+$/, '');
  return { container, prefix, ...cloudQuery(url), ...keyOf(url, extra) };
}

/** Query parameters every cloud URL may carry: `layout=folder`, `table=name`. */
function cloudQuery(url: ParsedUrl): { layout?: string; table?: string } {
  const layout = url.query.get('layout');
  const table = url.query.get('table');
  return { ...(layout ? { layout } : {}), ...(table ? { table } : {}) };
}

/** `?<name>=…` as the option `option`, when present. */
function optional(url: ParsedUrl, name: string, option = name): Record<string, string> {
  const value = url.query.get(name);
  return value ? { [option]: value } : {};
}

const SCHEMES: Record<string, SchemeDefinition> = {
  sqlite: {
    packageName: '@wharf/store-sqlite',
    exportName: 'SqliteStore',
    options: (url, extra) => ({
      filename: url.location || ':memory:',
      table: required(url, 'table'),
      ...keyOf(url, extra),
    }),
  },
  parquet: {
    packageName: '@wharf/store-parquet',
    exportName: 'ParquetStore',
    options: (url, extra) => ({ path: url.location.replace(/^\/\//, ''), ...keyOf(url, extra) }),
  },
  postgres: {
    packageName: '@wharf/store-postgres',
    exportName: 'PostgresStore',
    options: (url, extra) => ({
      connectionString: withoutWharfParameters(url),
      table: required(url, 'table'),
      ...keyOf(url, extra),
    }),
  },
  redis: {
    packageName: '@wharf/store-redis',
    exportName: 'RedisStore',
    options: (url, extra) => ({
      url: withoutWharfParameters(url),
      table: required(url, 'table'),
      ...keyOf(url, extra),
    }),
  },
  s3: {
    packageName: '@wharf/store-s3',
    exportName: 'S3Store',
    options: (url, extra) => {
      const { container, ...rest } = cloudOptions(url, extra);
      return {
        bucket: container,
        ...rest,
        ...optional(url, 'region'),
        ...optional(url, 'endpoint'),
      };
    },
  },
  gs: {
    packageName: '@wharf/store-gcs',
    exportName: 'GcsStore',
    options: (url, extra) => {
      const { container, ...rest } = cloudOptions(url, extra);
      return {
        bucket: container,
        ...rest,
        ...optional(url, 'projectId'),
        ...optional(url, 'endpoint', 'apiEndpoint'),
      };
    },
  },
  abfss: {
    packageName: '@wharf/store-adls',
    exportName: 'AdlsStore',
    options: (url, extra) => {
      const match = /^\/\/([^@/]+)@([^./]+)\.dfs\.core\.windows\.net\/?(.*)$/.exec(url.location);
      if (!match)
        throw new ValidationError(
          `${redactUrl(url.raw)}: expected abfss://filesystem@account.dfs.core.windows.net/path`,
        );
      return {
        fileSystem: match[1],
        account: match[2],
        prefix: (match[3] ?? '').replace(/\/+$/, ''),
        ...cloudQuery(url),
        ...optional(url, 'endpoint', 'url'),
        ...keyOf(url, extra),
      };
    },
  },
};
SCHEMES.postgresql = SCHEMES.postgres!;
SCHEMES.rediss = SCHEMES.redis!;

/** The schemes the CLI knows, with their packages. */
export const KNOWN_SCHEMES: Readonly<Record<string, string>> = {
  memory: '@wharf/store-core',
  ...Object.fromEntries(
    Object.entries(SCHEMES).map(([scheme, definition]) => [scheme, definition.packageName]),
  ),
};

/**
 * Parses a store URL. Throws a `ValidationError` for an unknown scheme or a missing required
 * parameter; loads no backend until `open()`.
 */
export function parseStoreUrl(raw: string): StoreUrl {
  const url = parse(raw);
  const display = redactUrl(raw);
  if (url.scheme === 'memory') {
    return {
      scheme: 'memory',
      display,
      packageName: '@wharf/store-core',
      open: async (extra = {}) => {
        const directory = url.query.get('directory');
        return new MemoryStore({
          table: url.location,
          ...keyOf(url, extra),
          ...(directory ? { directory } : {}),
        });
      },
    };
  }
  const definition = SCHEMES[url.scheme];
  if (!definition) {
    throw new ValidationError(
      `unknown store scheme '${url.scheme}:' in ${display}; known: ${Object.keys(KNOWN_SCHEMES).join(', ')}`,
    );
  }
  definition.options(url, {}); // validates the URL now, before any backend is loaded
  return {
    scheme: url.scheme,
    display,
    packageName: definition.packageName,
    open: async (extra = {}) => {
      const module = await loadBackend(definition.packageName);
      const StoreClass = module[definition.exportName] as
        | (new (
            options: Record<string, unknown>,
          ) => Store)
        | undefined;
      if (typeof StoreClass !== 'function') {
        throw new ValidationError(
          `${definition.packageName} does not export ${definition.exportName}; upgrade it`,
        );
      }
      return new StoreClass(definition.options(url, extra));
    },
  };
}
