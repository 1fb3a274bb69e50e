/**
 * Object listing as the Cloud Storage JSON API pages it: lexicographic order, `prefix`,
 * `startOffset`/`endOffset`, `delimiter` (names that continue past it roll up into
 * `prefixes`), `includeTrailingDelimiter`, and `maxResults` counting items and prefixes
 * together, continued with an opaque `pageToken`.
 */
import { invalidArgument } from './gcs-errors.js';
import type { StoredObject } from './gcs-resources.js';

/** One page of a listing. */
export interface ObjectPage {
  items: StoredObject[];
  prefixes: string[];
  nextPageToken: string | undefined;
}

/** The page size Cloud Storage uses when `maxResults` is absent, and its upper limit. */
export const defaultMaxResults = 1000;

type Entry = { key: string; object: StoredObject } | { key: string; prefix: string };

function decodePageToken(token: string | null): string | undefined {
  if (token === null || token === '') return undefined;
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** Lists one page of `objects` as `query` asks. */
export function listObjects(objects: Iterable<StoredObject>, query: URLSearchParams): ObjectPage {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startOffset = query.get('startOffset') ?? '';
  const endOffset = query.get('endOffset') ?? '';
  const includeTrailingDelimiter = query.get('includeTrailingDelimiter') === 'true';
  const maxResultsText = query.get('maxResults');
  const maxResults =
    maxResultsText === null
      ? defaultMaxResults
      : Math.min(Number(maxResultsText), defaultMaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw invalidArgument(`Invalid value for maxResults: ${maxResultsText}`);
  }
  const after = decodePageToken(query.get('pageToken'));

  const names = [...objects]
    .filter(
      (object) =>
        object.name.startsWith(prefix) &&
        (startOffset === '' || object.name >= startOffset) &&
        (endOffset === '' || object.name < endOffset),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const entries: Entry[] = [];
  const seenPrefixes = new Set<string>();
  for (const object of names) {
    const cut = delimiter === '' ? -1 : object.name.indexOf(delimiter, prefix.length);
    if (cut === -1) {
      entries.push({ key: object.name, object });
      continue;
    }
    const rolledUp = object.name.slice(0, cut + delimiter.length);
    if (!seenPrefixes.has(rolledUp)) {
      seenPrefixes.add(rolledUp);
      entries.push({ key: rolledUp, prefix: rolledUp });
    }
    if (includeTrailingDelimiter && object.name === rolledUp) {
      entries.push({ key: `${object.name}\u0000`, object });
    }
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const remaining = after === undefined ? entries : entries.filter((entry) => entry.key > after);
  const page = remaining.slice(0, maxResults);
  const last = page.at(-1);
  return {
    items: page.flatMap((entry) => ('object' in entry ? [entry.object] : [])),
    prefixes: page.flatMap((entry) => ('prefix' in entry ? [entry.prefix] : [])),
    nextPageToken:
      remaining.length > maxResults && last !== undefined
        ? Buffer.from(last.key).toString('base64url')
        : undefined,
  };
}
