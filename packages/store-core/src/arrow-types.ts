/**
 * Naming Arrow types for the capability model. Works on the numeric `typeId` so that data
 * built by another installed copy of apache-arrow is understood too.
 */
import type { DataType, Field, Schema } from 'apache-arrow';
import type { ArrowTypeName } from './capabilities.js';
import { ValidationError } from './errors.js';

// Numeric ids from apache-arrow's `Type` enum (stable across versions).
const TYPE_ID_NAMES: Record<number, ArrowTypeName | undefined> = {
  1: 'null',
  4: 'binary',
  5: 'utf8',
  6: 'bool',
  7: 'decimal',
  8: 'date',
  9: 'time',
  10: 'timestamp',
  11: 'interval',
  12: 'list',
  13: 'struct',
  14: 'union',
  15: 'fixed_size_binary',
  16: 'fixed_size_list',
  17: 'map',
  18: 'duration',
  19: 'large_binary',
  20: 'large_utf8',
  [-1]: 'dictionary',
};

/** The capability name of an Arrow data type (`Int32` → `'int32'`, `Utf8` → `'utf8'`). */
export function arrowTypeName(type: DataType): ArrowTypeName | `unsupported(${string})` {
  const typeId = type.typeId as number;
  if (typeId === 2) {
    const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
    return `${isSigned ? 'int' : 'uint'}${bitWidth}` as ArrowTypeName;
  }
  if (typeId === 3) {
    const { precision } = type as unknown as { precision: number };
    return (['float16', 'float32', 'float64'] as const)[precision] ?? 'float64';
  }
  return TYPE_ID_NAMES[typeId] ?? `unsupported(${String(type)})`;
}

/** Every type name a field uses, its children's included (a `list<struct<…>>` names three). */
export function typeNamesOf(field: Field): string[] {
  const names: string[] = [arrowTypeName(field.type)];
  const type = field.type as DataType & { dictionary?: DataType };
  if ((type.typeId as number) === -1 && type.dictionary) {
    names.push(arrowTypeName(type.dictionary));
  }
  for (const child of (type.children ?? []) as Field[]) names.push(...typeNamesOf(child));
  return names;
}

/**
 * Throws a `ValidationError` naming the column and the type when `schema` uses a type that
 * `supported` does not list.
 */
export function assertSupportedTypes(
  schema: Schema,
  supported: readonly ArrowTypeName[],
  storeName: string,
): void {
  for (const field of schema.fields) {
    for (const name of typeNamesOf(field)) {
      if (!supported.includes(name as ArrowTypeName)) {
        throw new ValidationError(
          `column '${field.name}' has Arrow type ${String(field.type)} ('${name}'), which ${storeName} does not support`,
          { details: { column: field.name, type: String(field.type) } },
        );
      }
    }
  }
}
