/**
 * Schemas of versions. Each version's metadata holds its Arrow schema (store-core's
 * `encodeSchema`: a zero-row Arrow IPC stream, base64) and a short hash of it; every schema
 * ever used is also kept under its hash, so that a row read together with a hash can always be
 * decoded with the schema it was written with.
 */
import { createHash } from 'node:crypto';
import { decodeSchema, encodeSchema, IntegrityError } from '@wharf/store-core';
import type { Schema } from 'apache-arrow';
import type { KeySpace } from './redis-key-space.js';

/** A schema with its encoded form and hash as stored in Redis. */
export interface StoredSchema {
  readonly schema: Schema | undefined;
  readonly encoded: string;
  readonly hash: string;
}

/** The stored form of `schema` (`undefined`: no schema, stored as empty strings). */
export function storedSchema(schema: Schema | undefined): StoredSchema {
  if (schema === undefined) return { schema, encoded: '', hash: '' };
  const encoded = encodeSchema(schema);
  return { schema, encoded, hash: schemaHash(encoded) };
}

/** The hash stored next to an encoded schema: 16 hex digits of its SHA-1. */
export function schemaHash(encoded: string): string {
  return encoded === '' ? '' : createHash('sha1').update(encoded).digest('hex').slice(0, 16);
}

/** What production is: the current version (`undefined` before the first commit) and its schema. */
export interface Production extends StoredSchema {
  readonly version: string | undefined;
}

/** Decoded schemas by hash, read from Redis once. */
export class SchemaCache {
  readonly #byHash = new Map<string, Schema>();
  readonly #keys: KeySpace;
  readonly #read: (hash: string) => Promise<string | null>;

  /** @param read reads the encoded schema stored under a hash */
  constructor(keys: KeySpace, read: (hash: string) => Promise<string | null>) {
    this.#keys = keys;
    this.#read = read;
  }

  /** Remembers a schema read or written elsewhere. */
  remember(stored: StoredSchema): void {
    if (stored.schema && stored.hash !== '') this.#byHash.set(stored.hash, stored.schema);
  }

  /** The schema stored under `hash` (`undefined` for the empty hash). */
  async get(hash: string): Promise<Schema | undefined> {
    if (hash === '') return undefined;
    const known = this.#byHash.get(hash);
    if (known) return known;
    const encoded = await this.#read(hash);
    if (encoded === null) {
      throw new IntegrityError(`schema ${hash} of ${this.#keys.base} is missing from Redis`);
    }
    const schema = decodeSchema(encoded);
    this.#byHash.set(hash, schema);
    return schema;
  }

  /** Decodes an encoded schema read together with its hash, caching it. */
  decode(encoded: string, hash: string): Schema | undefined {
    if (encoded === '') return undefined;
    const known = this.#byHash.get(hash);
    if (known) return known;
    const schema = decodeSchema(encoded);
    this.#byHash.set(hash, schema);
    return schema;
  }
}
