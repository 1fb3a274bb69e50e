/**
 * CRC32C (Castagnoli), the checksum Google Cloud Storage reports for every object and that its
 * clients verify downloads against. Node 20 has no built-in for it.
 */

const castagnoliPolynomial = 0x82f63b78;

const table = (() => {
  const entries = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) {
      value = value & 1 ? (value >>> 1) ^ castagnoliPolynomial : value >>> 1;
    }
    entries[index] = value >>> 0;
  }
  return entries;
})();

/**
 * The CRC32C of `data`, continuing from `previous` (the value returned for the bytes before it).
 *
 * @example
 * crc32c(Buffer.from('123456789')); // 0xe3069283
 */
export function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let index = 0; index < data.length; index++) {
    crc = table[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

/**
 * The CRC32C of `data` as Google Cloud Storage writes it: the four bytes in big-endian order,
 * base64-encoded.
 *
 * @example
 * crc32cBase64(Buffer.from('hello')); // 'mnG7TA=='
 */
export function crc32cBase64(data: Uint8Array): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32c(data));
  return bytes.toString('base64');
}
