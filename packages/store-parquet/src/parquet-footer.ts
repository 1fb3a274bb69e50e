/**
 * The row count a Parquet file's footer declares, read with just enough of Thrift's compact
 * protocol: the encoder checks every file it streams against the rows it was given.
 */
const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * The rows a Parquet file's footer declares (`FileMetaData.num_rows`, field 3, in Thrift's
 * compact protocol), or `undefined` when the file has no readable footer.
 */
export function parquetRows(file: Uint8Array): number | undefined {
  const length = file.byteLength;
  if (length < 12) return undefined;
  for (let index = 0; index < 4; index += 1) {
    if (file[index] !== MAGIC[index] || file[length - 4 + index] !== MAGIC[index]) return undefined;
  }
  const footerLength = new DataView(file.buffer, file.byteOffset + length - 8, 4).getUint32(
    0,
    true,
  );
  if (footerLength > length - 12) return undefined;
  try {
    return footerRows(new CompactReader(file.subarray(length - 8 - footerLength, length - 8)));
  } catch {
    return undefined;
  }
}

function footerRows(reader: CompactReader): number | undefined {
  let field = 0;
  for (;;) {
    const header = reader.byte();
    if (header === 0) return undefined;
    const type = header & 0x0f;
    const delta = header >> 4;
    field = delta === 0 ? reader.zigzag() : field + delta;
    if (field === 3 && type === COMPACT_I64) return reader.zigzag();
    reader.skip(type);
  }
}

const COMPACT_I64 = 6;

/** Just enough of Thrift's compact protocol to skip to a field of a struct. */
class CompactReader {
  #offset = 0;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  byte(): number {
    if (this.#offset >= this.#bytes.byteLength) throw new RangeError('footer ends early');
    return this.#bytes[this.#offset++]!;
  }

  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  }

  zigzag(): number {
    const value = this.varint();
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }

  skip(type: number): void {
    switch (type) {
      case 1: // true
      case 2: // false
        return;
      case 3: // byte
        this.#offset += 1;
        return;
      case 4: // i16
      case 5: // i32
      case 6: // i64
        this.varint();
        return;
      case 7: // double
        this.#offset += 8;
        return;
      case 8: {
        // binary (its length read before the offset moves past it)
        const size = this.varint();
        this.#offset += size;
        return;
      }
      case 9: // list
      case 10: {
        // set
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        for (let index = 0; index < size; index += 1) this.skipElement(header & 0x0f);
        return;
      }
      case 11: {
        // map
        const size = this.varint();
        if (size === 0) return;
        const types = this.byte();
        for (let index = 0; index < size; index += 1) {
          this.skipElement(types >> 4);
          this.skipElement(types & 0x0f);
        }
        return;
      }
      case 12: // struct
        for (let header = this.byte(); header !== 0; header = this.byte()) {
          if (header >> 4 === 0) this.zigzag();
          this.skip(header & 0x0f);
        }
        return;
      default:
        throw new RangeError(`unknown Thrift type ${type}`);
    }
  }

  /** In a list, set or map a boolean takes a byte. */
  skipElement(type: number): void {
    if (type === 1 || type === 2) this.#offset += 1;
    else this.skip(type);
  }
}
