/**
 * A JSON reader that keeps every number as its text. jsonb stores numbers as exact decimals,
 * so a 64-bit integer or a decimal inside a struct column must not pass through a JavaScript
 * number on the way back; the decoder converts each number by its Arrow type instead.
 */

/** A JSON number, kept as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A parsed JSON value whose numbers are {@link JsonNumber}s. */
export type JsonValue =
  | null
  | boolean
  | string
  | JsonNumber
  | JsonValue[]
  | { [name: string]: JsonValue };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text (as PostgreSQL writes jsonb) keeping numbers exact. */
export function parseJsonExact(text: string): JsonValue {
  let position = 0;

  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at position ${position}`);
  };
  const skipSpace = () => {
    while (position < text.length) {
      const code = text.charCodeAt(position);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) break;
      position += 1;
    }
  };
  const readString = (): string => {
    const start = position;
    position += 1;
    let escaped = false;
    while (position < text.length) {
      const code = text.charCodeAt(position);
      if (code === 0x5c) {
        escaped = true;
        position += 2;
        continue;
      }
      if (code === 0x22) {
        position += 1;
        const raw = text.slice(start, position);
        return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
      position += 1;
    }
    return fail();
  };
  const readValue = (): JsonValue => {
    skipSpace();
    const char = text[position];
    if (char === '{') {
      position += 1;
      const object: { [name: string]: JsonValue } = {};
      skipSpace();
      if (text[position] === '}') {
        position += 1;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[position] !== '"') fail();
        const name = readString();
        skipSpace();
        if (text[position] !== ':') fail();
        position += 1;
        object[name] = readValue();
        skipSpace();
        if (text[position] === ',') {
          position += 1;
          continue;
        }
        if (text[position] === '}') {
          position += 1;
          return object;
        }
        fail();
      }
    }
    if (char === '[') {
      position += 1;
      const array: JsonValue[] = [];
      skipSpace();
      if (text[position] === ']') {
        position += 1;
        return array;
      }
      for (;;) {
        array.push(readValue());
        skipSpace();
        if (text[position] === ',') {
          position += 1;
          continue;
        }
        if (text[position] === ']') {
          position += 1;
          return array;
        }
        fail();
      }
    }
    if (char === '"') return readString();
    if (text.startsWith('true', position)) {
      position += 4;
      return true;
    }
    if (text.startsWith('false', position)) {
      position += 5;
      return false;
    }
    if (text.startsWith('null', position)) {
      position += 4;
      return null;
    }
    NUMBER.lastIndex = position;
    const match = NUMBER.exec(text);
    if (!match) return fail();
    position += match[0].length;
    return new JsonNumber(match[0]);
  };

  const value = readValue();
  skipSpace();
  if (position !== text.length) fail();
  return value;
}
